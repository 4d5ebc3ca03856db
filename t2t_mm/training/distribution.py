"""--distribution: which tf.distribute strategy runs the loop, and who is the chief.

auto: TPU when --tpu is given, multi_worker when TF_CONFIG names more than one worker, mirrored over the
visible GPUs when there are several, else one device. Under multi_worker only the chief writes summaries,
metrics and the real checkpoints; the other workers save to a scratch folder (every worker must take part
in saving) that is removed afterwards.
"""
import json
import os

import tensorflow as tf

from t2t_mm.errors import UserError

MODES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")


def _tf_config():
    try:
        return json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except json.JSONDecodeError as exc:
        raise UserError(f"TF_CONFIG is not valid JSON ({exc}): set it to "
                        '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": 0}}')


def _num_workers(config):
    cluster = config.get("cluster", {})
    return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def resolve_mode(mode, tpu=None):
    if mode not in MODES:
        raise UserError(f"--distribution={mode} is not known: use one of {', '.join(MODES)}")
    if mode != "auto":
        return mode
    if tpu:
        return "tpu"
    if _num_workers(_tf_config()) > 1:
        return "multi_worker"
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return "mirrored"
    return "one_device"


def make_strategy(mode, tpu=None):
    """The tf.distribute.Strategy for --distribution (create it before any other TensorFlow op)."""
    mode = resolve_mode(mode, tpu)
    if mode == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if mode == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        if not devices:
            devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if mode == "multi_worker":
        config = _tf_config()
        if _num_workers(config) < 1 or "task" not in config:
            raise UserError("--distribution=multi_worker needs TF_CONFIG with a cluster and this process's "
                            'task, e.g. {"cluster": {"worker": ["h1:2222", "h2:2222"]}, '
                            '"task": {"type": "worker", "index": 0}}')
        return tf.distribute.MultiWorkerMirroredStrategy()
    if not tpu:
        raise UserError("--distribution=tpu needs --tpu=<name or grpc://address> ('local' on a TPU VM)")
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def worker_info(strategy):
    """(task_type, task_id, is_chief) of this process; one process without a cluster is the chief."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return None, 0, True
    task_type, task_id = resolver.task_type, resolver.task_id
    is_chief = task_type == "chief" or (task_type == "worker" and task_id == 0
                                        and "chief" not in resolver.cluster_spec().as_dict())
    return task_type, task_id, is_chief


def on_host_alone(strategy):
    """True for one replica on the CPU: its batches need no distributing, and deleting a distributed
    iterator waited for its copying thread (a MultiDeviceIterator's), 1-22 s per iterator in the main
    job (docs/TRAINING.md). GPUs and several replicas keep the distribution."""
    if not isinstance(strategy, tf.distribute.OneDeviceStrategy):
        return False
    return tf.DeviceSpec.from_string(strategy.extended.worker_devices[0]).device_type == "CPU"
