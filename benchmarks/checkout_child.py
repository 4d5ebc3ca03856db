"""One way for a benchmark to measure in a fresh process that imports t2t_mm from a given checkout: the
code under test, or a `git worktree` of an older commit for before/after figures in one run."""
import json
import os
import subprocess
import sys

MARK = "RESULT "


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
