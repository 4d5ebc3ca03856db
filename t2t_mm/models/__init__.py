"""Registered models and modalities (imported through the 't2t_mm.plugins' entry point)."""
