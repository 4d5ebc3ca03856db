"""Shared test helpers: the real-corpus excerpts folder and running the installed command-line programs."""
import os
import subprocess
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "real")


@pytest.fixture
def real_data():
    """Path of the real-corpus excerpts (never committed here); skips where the folder is absent."""
    if not os.path.isdir(REAL_DATA):
        pytest.skip(f"real corpus excerpts not found at {REAL_DATA} (they live beside the repository "
                    "in shared/data/real; licensed data is never committed)")
    return REAL_DATA


def run_cli(program, *args, cwd=None, timeout=600, env=None):
    """Runs an installed console script (mm-datagen, mm-trainer, mm-decoder) and returns the result."""
    exe = os.path.join(os.path.dirname(sys.executable), program)
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=full_env)


@pytest.fixture
def cli():
    return run_cli
