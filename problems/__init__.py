"""Registered problems, installed as t2t_mm.problems and loaded through the plugin entry points."""
from t2t_mm.problems import mini  # noqa: F401  (the generated mini suite)
from t2t_mm.problems import real  # noqa: F401  (the real corpora, docs/DATA.md)
