"""Runs the installed console scripts (mm-datagen, mm-trainer, mm-decoder) as a user would."""
import os
import subprocess
import sys


def run_cli(program, *args, cwd=None, timeout=600, env=None):
    """Runs an installed console script (mm-datagen, mm-trainer, mm-decoder) and returns the result."""
    exe = os.path.join(os.path.dirname(sys.executable), program)
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=full_env)
