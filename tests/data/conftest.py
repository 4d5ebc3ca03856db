"""Fixtures of the data tests: small generated data dirs and tiny batching hparams."""
import os

import pytest

from t2t_mm import plugins, registry

plugins.load_all()

MINI_SCALE = 0.01   # translation: 40 train / 2 dev examples; parsing 4 / 1; speech 20 / 1


def tiny_hparams(**overrides):
    hp = registry.hparams("multimodel_tiny")
    hp.batch_size = 256
    hp.max_length = 128
    hp.shuffle_buffer = 64
    for key, value in overrides.items():
        setattr(hp, key, value)
    return hp


@pytest.fixture
def hparams():
    return tiny_hparams()


@pytest.fixture(scope="session")
def mini_data(tmp_path_factory):
    """All nine mini problems generated once at a tiny scale: (data_dir, tmp_dir, log lines)."""
    from t2t_mm.data import datagen
    data_dir = str(tmp_path_factory.mktemp("mini_data"))
    tmp_dir = str(tmp_path_factory.mktemp("mini_raw"))
    lines = []
    datagen.generate("mini_suite", data_dir, tmp_dir, size_scale=MINI_SCALE, log=lines.append)
    return data_dir, tmp_dir, lines


def shard_files(data_dir, prefix):
    return sorted(f for f in os.listdir(data_dir) if f.startswith(prefix + "-"))
