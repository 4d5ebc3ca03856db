"""Helpers of the trainer's tests: the fake plugins (in-memory problems + a small model) and a tiny
hparams override string that keeps every run to seconds on 2 cores."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FAKES = os.path.join(HERE, "fake_plugins")
TINY = "hidden_size=16,learning_rate_warmup_steps=10,learning_rate=0.5"


def fake_config(output_dir, problems="fake_text_copy,fake_image_class", **overrides):
    from t2t_mm.training import trainer
    values = dict(problems=problems, data_dir=str(output_dir) + "_data", output_dir=str(output_dir),
                  model="fake_multimodel", hparams=TINY, train_steps=10, eval_every=0, save_every=0,
                  log_every=1000, eval_steps=2, decode_examples=0, distribution="one_device")
    values.update(overrides)
    return trainer.TrainConfig(**values)


def run_cli_or_fail(program, *args, timeout=600):
    from cli_runner import run_cli  # tests/ is on sys.path under pytest (pytest.ini), not in dist_run.py
    result = run_cli(program, *args, timeout=timeout)
    assert result.returncode == 0, f"{program} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result
