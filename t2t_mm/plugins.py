"""Loading registrations: built-ins and installed packages through the 't2t_mm.plugins' entry-point
group, user directories through --usr_dir (imported once per process, as T2T's --t2t_usr_dir)."""
import importlib
import importlib.metadata
import importlib.util
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
    """Imports usr_dir once as a package, as T2T did with --t2t_usr_dir: its ``__init__.py`` runs (T2T
    users register there, or import their modules from there), then every other .py module (and
    sub-package) in it, so their decorators register; modules may import each other relatively.
    Says so on stderr when the folder registered nothing."""
    path = os.path.abspath(os.path.expanduser(usr_dir))
    if not os.path.isdir(path):
        raise PluginError(f"--usr_dir={usr_dir}: no such directory")
    if ("usr_dir", path) in _loaded:
        return
    before = _registered()
    package_name = "t2t_mm_usr_" + hashlib.sha1(path.encode()).hexdigest()[:12]
    imported = _import_package(package_name, path)
    for entry in sorted(os.listdir(path)):
        full = os.path.join(path, entry)
        is_module = entry.endswith(".py")
        is_package = os.path.isdir(full) and os.path.exists(os.path.join(full, "__init__.py"))
        if not (is_module or is_package) or entry.startswith((".", "_")):
            continue
        name = f"{package_name}.{entry[:-3] if is_module else entry}"
        imported.append(entry)
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # name the user's file, keep the original exception
            sys.modules.pop(name, None)
            raise PluginError(f"--usr_dir: {full} failed to import: {_describe(exc)}") from exc
    _loaded.add(("usr_dir", path))
    if _registered() == before:
        print(f"warning: --usr_dir={usr_dir} registered nothing (imported: {', '.join(imported) or 'no .py file'}); "
              "decorate your classes and functions with @registry.register_problem, register_hparams, "
              "register_model or register_modality", file=sys.stderr, flush=True)


def _import_package(package_name, path):
    """Makes usr_dir the package ``package_name``, running its __init__.py if it has one; returns the
    names of the files run."""
    init = os.path.join(path, "__init__.py")
    if not os.path.exists(init):
        package = types.ModuleType(package_name)
        package.__path__ = [path]
        sys.modules[package_name] = package
        return []
    spec = importlib.util.spec_from_file_location(package_name, init, submodule_search_locations=[path])
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    try:
        spec.loader.exec_module(package)
    except Exception as exc:
        sys.modules.pop(package_name, None)
        raise PluginError(f"--usr_dir: {init} failed to import: {_describe(exc)}") from exc
    return ["__init__.py"]


def _registered():
    """What the registries hold, by object: a module that registers again what another import of the
    same file already registered still counts as registering."""
    from t2t_mm import registry
    return {(r.kind, name, id(r.get(name))) for r in registry.ALL for name in r.names()}


def load_all(usr_dir=None):
    """What every command-line program calls first."""
    load_entry_points()
    if usr_dir:
        import_usr_dir(usr_dir)
