"""Registers the trainer tests' fake problems and model (tests/training/fake_plugins/fakes.py) in this
--usr_dir too, so mm-experiment and its mm-trainer subprocesses see them with one --usr_dir."""
import importlib.util
import os
import sys

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training", "fake_plugins", "fakes.py")
_NAME = "t2t_mm_experiment_tests_fakes"

if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, os.path.abspath(_PATH))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    try:
        _spec.loader.exec_module(_module)
    except Exception:
        sys.modules.pop(_NAME, None)
        raise
