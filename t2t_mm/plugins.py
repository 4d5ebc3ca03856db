"""Loading registrations: built-ins and installed packages through the 't2t_mm.plugins' entry-point
group, user directories through --usr_dir (imported once per process, as T2T's --t2t_usr_dir)."""
import importlib
import importlib.metadata
import hashlib
import os
import sys
import traceback
import types

from t2t_mm.errors import PluginError

ENTRY_POINT_GROUP = "t2t_mm.plugins"
_loaded = set()


def _describe(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def load_entry_points():
    """Imports every module registered under the entry-point group (the built-ins are among them)."""
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        key = ("entry_point", ep.value)
        if key in _loaded:
            continue
        try:
            ep.load()
        except Exception as exc:  # a broken plugin must name itself, not crash with a bare traceback
            raise PluginError(f"plugin '{ep.name}' ({ep.value}, entry point group {ENTRY_POINT_GROUP}) "
                              f"failed to import: {_describe(exc)}") from exc
        _loaded.add(key)
    if not any(k[1].startswith("t2t_mm.") for k in _loaded):
        raise PluginError("t2t_mm's built-in problems and hparams were not found among the installed "
                          f"'{ENTRY_POINT_GROUP}' entry points: install the package with `pip install -e .`")


def import_usr_dir(usr_dir):
    """Imports every .py module (and package) in usr_dir once, so their decorators register.
    The folder becomes a package of its own, so its modules may import each other relatively."""
    path = os.path.abspath(os.path.expanduser(usr_dir))
    if not os.path.isdir(path):
        raise PluginError(f"--usr_dir={usr_dir}: no such directory")
    if ("usr_dir", path) in _loaded:
        return
    package_name = "t2t_mm_usr_" + hashlib.sha1(path.encode()).hexdigest()[:12]
    package = types.ModuleType(package_name)
    package.__path__ = [path]
    sys.modules[package_name] = package
    for entry in sorted(os.listdir(path)):
        full = os.path.join(path, entry)
        is_module = entry.endswith(".py")
        is_package = os.path.isdir(full) and os.path.exists(os.path.join(full, "__init__.py"))
        if not (is_module or is_package) or entry.startswith((".", "_")):
            continue
        name = f"{package_name}.{entry[:-3] if is_module else entry}"
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # name the user's file, keep the original exception
            sys.modules.pop(name, None)
            raise PluginError(f"--usr_dir: {full} failed to import: {_describe(exc)}") from exc
    _loaded.add(("usr_dir", path))


def load_all(usr_dir=None):
    """What every command-line program calls first."""
    load_entry_points()
    if usr_dir:
        import_usr_dir(usr_dir)
