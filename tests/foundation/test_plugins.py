import os
import subprocess
import sys
import textwrap

import pytest

from t2t_mm import plugins, registry
from t2t_mm.errors import PluginError


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


def test_builtins_load_through_the_entry_points():
    plugins.load_entry_points()
    names = {ep.value for ep in __import__("importlib.metadata").metadata.entry_points(
        group=plugins.ENTRY_POINT_GROUP)}
    assert {"t2t_mm.problems", "t2t_mm.hparams_sets", "t2t_mm.models"} <= names
    assert "multimodel_tiny" in registry.HPARAMS


def test_builtins_are_namespaced_not_top_level():
    import t2t_mm.hparams_sets
    import t2t_mm.problems
    assert t2t_mm.problems.__name__ == "t2t_mm.problems"
    assert t2t_mm.hparams_sets.__name__ == "t2t_mm.hparams_sets"
    for top_level in ("problems", "hparams"):
        result = subprocess.run([sys.executable, "-c", f"import {top_level}"], capture_output=True,
                                cwd="/", text=True)
        assert result.returncode != 0, f"a top-level '{top_level}' package is importable"


def test_usr_dir_registers_once(tmp_path):
    write(str(tmp_path / "my_sets.py"), """
        from t2t_mm import registry
        from t2t_mm.hparams_sets.multimodel import multimodel_tiny

        @registry.register_hparams
        def plugin_test_small_moe():
            hp = multimodel_tiny()
            hp.moe_num_experts = 16
            return hp
    """)
    try:
        plugins.import_usr_dir(str(tmp_path))
        plugins.import_usr_dir(str(tmp_path))  # a second load is a no-op, not a duplicate error
        assert registry.hparams("plugin_test_small_moe").moe_num_experts == 16
    finally:
        registry.HPARAMS.unregister("plugin_test_small_moe")


def test_broken_plugin_names_file_and_exception(tmp_path):
    write(str(tmp_path / "broken.py"), "import no_such_module_here\n")
    with pytest.raises(PluginError) as err:
        plugins.import_usr_dir(str(tmp_path))
    message = str(err.value)
    assert str(tmp_path / "broken.py") in message
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in message


def test_missing_usr_dir(tmp_path):
    with pytest.raises(PluginError, match="--usr_dir=.*nope: no such directory"):
        plugins.import_usr_dir(str(tmp_path / "nope"))


def test_installed_package_registers_through_entry_point(tmp_path):
    """A third-party distribution that declares the t2t_mm.plugins group is found and loaded."""
    write(str(tmp_path / "pirate_plugin.py"), """
        from t2t_mm import registry
        from t2t_mm.hparams import HParams

        @registry.register_hparams
        def pirate_hparams():
            return HParams(parrots=2)
    """)
    write(str(tmp_path / "pirate_plugin-1.0.dist-info" / "METADATA"),
          "Metadata-Version: 2.1\nName: pirate-plugin\nVersion: 1.0\n")
    write(str(tmp_path / "pirate_plugin-1.0.dist-info" / "entry_points.txt"),
          "[t2t_mm.plugins]\npirate = pirate_plugin\n")
    code = ("from t2t_mm import plugins, registry; plugins.load_all(); "
            "print(registry.hparams('pirate_hparams').parrots)")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("2")


def test_broken_entry_point_is_named(tmp_path):
    write(str(tmp_path / "bad_plugin.py"), "raise RuntimeError('boom')\n")
    write(str(tmp_path / "bad_plugin-1.0.dist-info" / "METADATA"),
          "Metadata-Version: 2.1\nName: bad-plugin\nVersion: 1.0\n")
    write(str(tmp_path / "bad_plugin-1.0.dist-info" / "entry_points.txt"),
          "[t2t_mm.plugins]\nbad = bad_plugin\n")
    code = "from t2t_mm import plugins; plugins.load_all()"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "plugin 'bad' (bad_plugin, entry point group t2t_mm.plugins) failed to import: " \
           "RuntimeError: boom" in result.stderr
