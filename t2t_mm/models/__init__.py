"""Registered models and modalities (imported through the 't2t_mm.plugins' entry point)."""
from t2t_mm import modalities  # noqa: F401  (registers symbol, image, audio_*, class_label)
from t2t_mm.models import multimodel  # noqa: F401  (registers multimodel)
from t2t_mm.models.multimodel import MultiModel

__all__ = ["MultiModel"]
