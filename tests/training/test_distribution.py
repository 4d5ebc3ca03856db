"""tf.distribute: MirroredStrategy over 2 logical CPUs (with an 8k-row embedding whose IndexedSlices
gradients go through the all-reduce) and MultiWorkerMirroredStrategy with 2 worker processes on
localhost. Each run is its own process: device configuration and collectives are process-wide."""
import json
import os
import socket
import subprocess
import sys

import numpy as np

from t2t_mm.training import distribution

HERE = os.path.dirname(os.path.abspath(__file__))


def _run(mode, out, result, problems="fake_text_copy,fake_image_class", steps=6, env=None):
    command = [sys.executable, os.path.join(HERE, "dist_run.py"), mode, str(out), str(result), problems, str(steps)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env or {})))


def _finish(proc, timeout=240):
    output, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, output[-3000:]
    return output


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_mirrored_two_replicas_with_8k_vocab_match_each_other_and_one_device(tmp_path):
    problems = "fake_text_copy_8k,fake_image_class"
    mirrored = _run("mirrored", tmp_path / "m", tmp_path / "m.npz", problems)
    single = _run("one_device", tmp_path / "s", tmp_path / "s.npz", problems)
    assert "DONE 2 MirroredStrategy" in _finish(mirrored)
    assert "DONE 1 OneDeviceStrategy" in _finish(single)
    m, s = np.load(tmp_path / "m.npz"), np.load(tmp_path / "s.npz")
    assert m["__replicas__"] == 2
    embedding = max((k for k in m.files if k != "__replicas__"), key=lambda k: m[k][0].size)
    assert m[embedding].shape[1:] == (8000, 16)
    for key in m.files:
        if key == "__replicas__":
            continue
        np.testing.assert_array_equal(m[key][0], m[key][1], err_msg=f"replicas differ in variable {key}")
        # the global batch split over 2 replicas gives the one-device update, up to float rounding
        # (which Adam can blow up to ~lr on a coordinate whose gradient is ~0, hence the quantile)
        diff = np.abs(m[key][0] - s[key][0])
        assert diff.mean() < 1e-4 and np.quantile(diff, 0.99) < 1e-3, f"variable {key}: {diff.max()}"


def test_multi_worker_two_processes_end_with_identical_weights(tmp_path):
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    procs = [_run("multi_worker", tmp_path / "run", tmp_path / f"w{i}.npz", steps=4,
                  env={"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
             for i in range(2)]
    outputs = [_finish(p) for p in procs]
    assert all("DONE 2 " in o for o in outputs), outputs[0][-2000:]
    assert "step      4/4" in outputs[0] and "step" not in outputs[1].replace("steps", "")  # chief prints
    w0, w1 = np.load(tmp_path / "w0.npz"), np.load(tmp_path / "w1.npz")
    for key in w0.files:
        np.testing.assert_array_equal(w0[key], w1[key], err_msg=f"workers differ in variable {key}")
    assert os.path.exists(tmp_path / "run" / "ckpt-4.index")
    assert not [n for n in os.listdir(tmp_path / "run") if n.startswith(".worker_scratch")]


def test_auto_picks_multi_worker_from_tf_config(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                                                "task": {"type": "worker", "index": 1}}))
    assert distribution.resolve_mode("auto") == "multi_worker"
    assert distribution.resolve_mode("auto", tpu="local") == "tpu"
    monkeypatch.delenv("TF_CONFIG")
    assert distribution.resolve_mode("auto") == "one_device"


def test_one_replica_on_the_cpu_needs_no_distributed_iterator():
    """A distributed iterator's copying thread held each deletion up for seconds; one CPU replica reads
    its batches from the tf.data iterator itself. GPUs and several replicas keep the distribution."""
    import tensorflow as tf
    assert distribution.on_host_alone(tf.distribute.OneDeviceStrategy("/cpu:0"))
    assert not distribution.on_host_alone(tf.distribute.MirroredStrategy(["/cpu:0"]))
    assert not distribution.on_host_alone(tf.distribute.get_strategy())
