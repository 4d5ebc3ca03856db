"""Shared test helpers: the real-corpus excerpts folder and running the installed command-line programs."""
import os

import pytest

from cli_runner import run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "real")


@pytest.fixture
def real():
    """real("speech", "sphere") -> that path under the real excerpts; skips the test where it is absent."""

    def path(*parts):
        full = os.path.join(REAL_DATA, *parts)
        if not os.path.exists(full):
            pytest.skip(f"real-data excerpt {full} is absent (it lives beside the repository in "
                        "shared/data/real; licensed data is never committed)")
        return full

    return path


@pytest.fixture
def cli():
    return run_cli
