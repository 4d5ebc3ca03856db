"""Fixtures of the trainer's tests (helpers live in training_helpers.py)."""
import pytest

from training_helpers import FAKES


@pytest.fixture(scope="session")
def fakes():
    from t2t_mm import plugins
    plugins.load_all(FAKES)
    return FAKES
