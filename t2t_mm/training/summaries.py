"""What a run leaves for later reading: TensorBoard events in output_dir (one name scope per problem,
MoE expert load as histograms) and output_dir/metrics.jsonl, one JSON object per eval of a problem.
Only the chief writes; the other workers get a SummaryWriter that drops everything.

Events are written with tf.summary.write and the scalars/histograms plugins' metadata, so training does
not need the tensorboard package (only viewing does: pip install tensorboard)."""
import time

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from t2t_mm.training import run_folder


def _metadata(plugin, data_class):
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin), data_class=data_class)


_SCALAR = _metadata("scalars", summary_pb2.DATA_CLASS_SCALAR)
_HISTOGRAM = _metadata("histograms", summary_pb2.DATA_CLASS_TENSOR)


def scalar(name, value):
    tf.summary.write(name, tf.constant(float(value), tf.float32), metadata=_SCALAR)


def histogram(name, values, buckets=None):
    """TensorBoard's histogram format: a [k, 3] tensor of (left edge, right edge, count). For an expert
    load vector the natural buckets are the experts themselves (bucket i holds expert i's load)."""
    values = np.asarray(values, np.float64).reshape(-1)
    if buckets is None:  # one bucket per entry, so the plot reads as load per expert
        edges = np.arange(len(values) + 1, dtype=np.float64)
        data = np.stack([edges[:-1], edges[1:], values], axis=1)
    else:
        counts, edges = np.histogram(values, bins=buckets)
        data = np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1)
    tf.summary.write(name, tf.constant(data, tf.float64), metadata=_HISTOGRAM)


class SummaryWriter:
    def __init__(self, output_dir, enabled=True):
        self.enabled = enabled
        self.output_dir = output_dir
        self._writer = tf.summary.create_file_writer(output_dir) if enabled else None

    def train(self, step, problem, outputs):
        """Per-step scalars of the problem's training step (loss, aux_loss, grad_norm, learning_rate)."""
        if not self.enabled:
            return
        with self._writer.as_default(step=int(step)):
            for key in ("loss", "aux_loss", "grad_norm", "learning_rate"):
                if key in outputs:
                    scalar(f"{problem}/train/{key}", outputs[key])

    def eval(self, step, problem, result):
        """An eval result: scalars under <problem>/eval/, MoE stats as histograms; one metrics.jsonl line."""
        if not self.enabled:
            return
        scalars = {k: float(v) for k, v in result.items() if isinstance(v, (int, float, np.floating))}
        moe = result.get("moe", {})
        with self._writer.as_default(step=int(step)):  # tags "<problem>/...": one section per problem
            for key, value in scalars.items():
                scalar(f"{problem}/eval/{key}", value)
            for key, value in moe.items():
                value = np.asarray(value, dtype=np.float64)
                name = f"{problem}/moe/" + key.replace("/", "_")
                if value.ndim == 0:
                    scalar(name, value)
                else:
                    histogram(name, value)
        self._writer.flush()
        record = {"step": int(step), "problem": problem, "time": time.time(), **scalars}
        for key, value in result.items():
            if isinstance(value, str):
                record[key] = value
        record["moe"] = {k: np.asarray(v).tolist() for k, v in moe.items()}
        run_folder.append_eval(self.output_dir, record)

    def close(self):
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
