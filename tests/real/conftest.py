"""Where the real corpus excerpts live: ../shared/data/real beside the repository (never committed)."""

import os

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data", "real")


@pytest.fixture
def real():
    """real("speech", "sphere") -> that path under the excerpts, skipping the test if it is absent."""

    def path(*parts):
        full = os.path.join(REAL_DIR, *parts)
        if not os.path.exists(full):
            pytest.skip("real-data excerpt %s is absent (it lives outside the repository, in "
                        "../shared/data/real; outside contributors do not have it)" % full)
        return full

    return path
