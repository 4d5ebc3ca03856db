"""Fixtures of the data tests: small generated data dirs and tiny batching hparams."""
import pytest

from t2t_mm import plugins

from helpers import MINI_SCALE, batching_hparams

plugins.load_all()


@pytest.fixture
def hparams():
    return batching_hparams()


@pytest.fixture(scope="session")
def mini_data(tmp_path_factory):
    """All nine mini problems generated once at a tiny scale: (data_dir, tmp_dir, log lines)."""
    from t2t_mm.data import datagen
    data_dir = str(tmp_path_factory.mktemp("mini_data"))
    tmp_dir = str(tmp_path_factory.mktemp("mini_raw"))
    lines = []
    datagen.generate("mini_suite", data_dir, tmp_dir, size_scale=MINI_SCALE, log=lines.append)
    return data_dir, tmp_dir, lines
