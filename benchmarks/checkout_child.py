"""One way for a benchmark to measure in a fresh process that imports t2t_mm from a given checkout: the
code under test, or a `git worktree` of an older commit for before/after figures in one run."""
import json
import os
import subprocess
import sys

MARK = "RESULT "

# The start of a child that runs mm-trainer's Trainer as mm-trainer does (one thread per op, freed memory
# kept, plugins loaded) and samples its resident memory: rss_mb() now, peak[0] the highest seen so far.
TRAINER_CHILD_PREAMBLE = r"""
import json, os, shutil, sys, tempfile, threading, time
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
from t2t_mm.training import host_memory
host_memory.keep_freed_memory()
from t2t_mm import plugins
plugins.load_all()
import t2t_mm
from t2t_mm.training import trainer as trainer_lib

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6

peak = [0.0]
def sample():
    while True:
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
"""


def run_in_checkout(tree, child, args, what="variant"):
    """Runs the Python source `child` with `args` (strings) in a process whose t2t_mm comes from `tree`;
    child prints one line MARK + json with "code": t2t_mm.__file__. Returns that JSON without "code"."""
    env = dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", child, *args], cwd=tree, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode or not lines:
        raise SystemExit(f"{what} in {tree} failed:\n{done.stderr[-3000:]}")
    result = json.loads(lines[-1][len(MARK):])
    code = result.pop("code")
    if not code.startswith(tree):
        raise SystemExit(f"the {what} meant to run {tree} imported t2t_mm from {code}")
    return result
