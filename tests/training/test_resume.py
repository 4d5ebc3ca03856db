"""Automatic resume: a training process killed with SIGKILL mid-run and started again with the same
command continues from its last checkpoint; the step counter and the loss curve continue."""
import os
import re
import signal
import subprocess
import sys

from training_helpers import FAKES, TINY
from t2t_mm.training.sampler import ProblemSampler

STEPS = 1500


def _command(out):
    exe = os.path.join(os.path.dirname(sys.executable), "mm-trainer")
    return [exe, f"--usr_dir={FAKES}", "--model=fake_multimodel", "--problems=fake_image_class,fake_text_copy",
            f"--hparams={TINY}", f"--data_dir={out}_data", f"--output_dir={out}", f"--train_steps={STEPS}",
            "--save_every=20", "--log_every=1", "--eval_steps=0", "--distribution=one_device"]


def _losses(text):
    return {int(m.group(1)): (m.group(2), float(m.group(3)))
            for m in re.finditer(r"^step +(\d+)/\d+ +(\S+) +loss ([\d.]+)", text, re.M)}


def test_sigkill_then_same_command_resumes_step_and_loss(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    first = subprocess.Popen(_command(out), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=env)
    seen = []
    for line in first.stdout:
        seen.append(line)
        if "saved checkpoint" in line and "ckpt-40" in line:
            first.send_signal(signal.SIGKILL)
            break
    first.wait(timeout=60)
    seen.append(first.stdout.read())
    assert first.returncode == -signal.SIGKILL
    before = _losses("".join(seen))
    assert max(before) < STEPS, "the first run finished before it could be killed"

    second = subprocess.run(_command(out), capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    resumed = re.search(r"resumed from (\S+)/ckpt-(\d+) at step (\d+)", second.stdout)
    assert resumed and resumed.group(2) == resumed.group(3)
    start = int(resumed.group(3))
    assert start >= 40 and start % 20 == 0 and start <= max(before)
    after = _losses(second.stdout)
    assert min(after) == start + 1 and max(after) == STEPS
    assert f"ckpt-{STEPS}" in second.stdout
    # same problem sequence (the sampler is keyed by the step) and a loss that continues, not restarts
    sampler = ProblemSampler({"fake_image_class": 1.0, "fake_text_copy": 1.0}, seed=1234)  # hparams.seed
    for run in (before, after):
        assert all(problem == sampler.problem_at(s - 1) for s, (problem, _) in run.items())
    image_before = [loss for s, (p, loss) in sorted(before.items()) if p == "fake_image_class"]
    image_after = [loss for s, (p, loss) in sorted(after.items()) if p == "fake_image_class"]
    initial, at_kill = sum(image_before[:3]) / 3, sum(image_before[-3:]) / 3
    assert at_kill < initial - 0.2, (initial, at_kill)
    assert abs(sum(image_after[:3]) / 3 - at_kill) < abs(initial - at_kill) / 2
