"""Helpers shared by the data tests (a uniquely named module: every test folder has its own conftest)."""
import os

from t2t_mm import registry

MINI_SCALE = 0.01   # translation: 40 train / 2 dev examples; parsing 4 / 1; speech 20 / 1


def tiny_hparams(**overrides):
    hp = registry.hparams("multimodel_tiny")
    hp.batch_size = 256
    hp.max_length = 128
    hp.shuffle_buffer = 64
    for key, value in overrides.items():
        setattr(hp, key, value)
    return hp


def shard_files(data_dir, prefix):
    return sorted(f for f in os.listdir(data_dir) if f.startswith(prefix + "-"))
