"""Registered hparams sets, installed as t2t_mm.hparams_sets and loaded through the plugin entry points."""
from t2t_mm.hparams_sets import basic, multimodel  # noqa: F401
