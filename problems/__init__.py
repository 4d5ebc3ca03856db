"""Registered problems, installed as t2t_mm.problems and loaded through the plugin entry points."""
