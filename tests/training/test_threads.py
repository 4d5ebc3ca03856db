"""mm-trainer --intra_op_threads: set before TensorFlow's runtime starts, refused with the fix after."""
import subprocess
import sys
import textwrap

import pytest

from t2t_mm.errors import UserError
from t2t_mm.training.trainer import TrainConfig


def _python(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)


def test_threads_are_set_before_the_runtime_starts_and_refused_after():
    done = _python("""
        import tensorflow as tf
        from t2t_mm.training.trainer import set_intra_op_threads
        set_intra_op_threads(1)
        print("threads", tf.config.threading.get_intra_op_parallelism_threads(), float(tf.reduce_sum(tf.ones(3))))
        try:
            set_intra_op_threads(2)
        except Exception as exc:
            print(type(exc).__name__, exc)
        """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "threads 1 3.0" in done.stdout
    assert "UserError --intra_op_threads=2 came after TensorFlow started its runtime" in done.stdout


def test_negative_threads_are_refused(tmp_path):
    config = TrainConfig("p", str(tmp_path), str(tmp_path / "o"), intra_op_threads=-1)
    with pytest.raises(UserError, match="--intra_op_threads=-1 must be >= 0"):
        config.check()
