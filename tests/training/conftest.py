"""Helpers of the trainer's tests: the fake plugins (in-memory problems + a small model) and a tiny
hparams override string that keeps every run to seconds on 2 cores."""
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FAKES = os.path.join(HERE, "fake_plugins")
TINY = "hidden_size=16,learning_rate_warmup_steps=10,learning_rate=0.5"


@pytest.fixture(scope="session")
def fakes():
    from t2t_mm import plugins
    plugins.load_all(FAKES)
    return FAKES


def fake_config(output_dir, problems="fake_text_copy,fake_image_class", **overrides):
    from t2t_mm.training import trainer
    values = dict(problems=problems, data_dir=str(output_dir) + "_data", output_dir=str(output_dir),
                  model="fake_multimodel", hparams=TINY, train_steps=10, eval_every=0, save_every=0,
                  log_every=1000, eval_steps=2, decode_examples=0, distribution="one_device")
    values.update(overrides)
    return trainer.TrainConfig(**values)


def run_cli(program, *args, timeout=600):
    """An installed console script run as a user would; returns the CompletedProcess."""
    import subprocess
    import sys
    exe = os.path.join(os.path.dirname(sys.executable), program)
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))


def run_cli_or_fail(program, *args, timeout=600):
    result = run_cli(program, *args, timeout=timeout)
    assert result.returncode == 0, f"{program} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result
