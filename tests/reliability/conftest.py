"""Fixtures of the reliability tests: built-in registrations loaded once."""
from t2t_mm import plugins

plugins.load_all()
