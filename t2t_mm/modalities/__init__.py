"""Modality nets, registered under their names: symbol, image, audio_waveform, audio_spectral, class_label."""
from t2t_mm.modalities import audio, class_label, image, symbol  # noqa: F401
from t2t_mm.modalities.base import Modality

__all__ = ["Modality"]
