"""Registries of problems, modalities, models, hparams sets, mixtures and experiments, filled by decorators.

    @registry.register_problem                 # name: snake_case of the class name
    class TranslateEndeWmt8k(TextToTextProblem): ...

    @registry.register_hparams("my_set")       # or an explicit name
    def my_hparams(): ...

Lookups of unknown names raise RegistryError listing the closest registered names.
"""
import importlib
import inspect

from t2t_mm import naming
from t2t_mm.errors import RegistryError

HINT = "(mm-trainer --registry_help lists all; plugins load with --usr_dir)"


class Registry:
    """One kind of named thing; remembers where each entry was defined for duplicate errors."""

    def __init__(self, kind, plural):
        self.kind = kind
        self.plural = plural
        self._entries = {}
        self._origins = {}

    def register(self, name, value, origin):
        if name in self._entries and self._origins[name] != origin:
            raise RegistryError(
                f"{self.kind} '{name}' is registered twice: first at {self._origins[name]}, "
                f"again at {origin}. Rename one of them (decorate with an explicit name).")
        self._entries[name] = value
        self._origins[name] = origin
        return value

    def get(self, name):
        if name not in self._entries:
            raise RegistryError(
                f"no {self.kind} named '{name}'.{naming.did_you_mean(name, self._entries)} {HINT}")
        return self._entries[name]

    def origin(self, name):
        return self._origins[name]

    def names(self):
        return sorted(self._entries)

    def __contains__(self, name):
        return name in self._entries

    def unregister(self, name):
        """Drop an entry (tests and interactive sessions that redefine a plugin)."""
        self._entries.pop(name, None)
        self._origins.pop(name, None)


PROBLEMS = Registry("problem", "problems")
MODALITIES = Registry("modality", "modalities")
MODELS = Registry("model", "models")
HPARAMS = Registry("hparams set", "hparams sets")
MIXTURES = Registry("mixture", "mixtures")
EXPERIMENTS = Registry("experiment", "experiments")
ALL = (PROBLEMS, MODALITIES, MODELS, HPARAMS, MIXTURES, EXPERIMENTS)


def _origin_of(obj):
    try:
        return f"{inspect.getsourcefile(obj)}:{inspect.getsourcelines(obj)[1]}"
    except (TypeError, OSError):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"


def _decorator(reg, on_register=None):
    """Builds register_x usable as @register_x, @register_x() and @register_x("name")."""

    def register(name_or_obj=None):
        def apply(obj, name=None):
            name = name or naming.snake_case(obj.__name__)
            if on_register:
                on_register(obj, name)
            return reg.register(name, obj, _origin_of(obj))

        if callable(name_or_obj):
            return apply(name_or_obj)
        return lambda obj: apply(obj, name_or_obj)

    return register


def _name_class(obj, name):
    obj.registered_name = name


def _checked_class(kind, base_path, advice):
    """on_register that refuses anything but a subclass of base_path ("module.Class", imported on first
    use so this module stays light), then names the class; the error names the class and the base."""
    module_name, _, class_name = base_path.rpartition(".")

    def check(obj, name):
        base = getattr(importlib.import_module(module_name), class_name)
        if not (inspect.isclass(obj) and issubclass(obj, base)):
            what = f"class {obj.__qualname__}" if inspect.isclass(obj) else f"{type(obj).__name__} {obj!r}"
            raise RegistryError(f"{kind} '{name}' ({what} at {_origin_of(obj)}) must extend {base_path}: "
                                f"{advice}")
        _name_class(obj, name)

    return check


register_problem = _decorator(PROBLEMS, _checked_class(
    "problem", "t2t_mm.data.Problem", "subclass it or one of its task shapes (from t2t_mm.data import "
    "TextToTextProblem, ImageToClassProblem, ImageToTextProblem, AudioToTextProblem)"))
register_modality = _decorator(MODALITIES, _name_class)
register_model = _decorator(MODELS, _checked_class(
    "model", "keras.Model", "the trainer builds, optimizes and checkpoints a keras.Model called as "
    "model(features, problem=name, training=...) (docs/CONTRACTS.md)"))
register_hparams = _decorator(HPARAMS)
# A function returning a t2t_mm.experiments.Experiment (runs + tables); mm-experiment runs it. It may take
# a `scale` argument ("mini", "paper", ...) chosen with mm-experiment --scale.
register_experiment = _decorator(EXPERIMENTS)


def register_mixture(name, rates):
    """A named set of problems trained jointly: {problem_name: sampling weight}."""
    if not rates or any(float(w) <= 0 for w in rates.values()):
        raise RegistryError(f"mixture '{name}' needs at least one problem, each with a weight > 0")
    caller = inspect.stack()[1]
    return MIXTURES.register(name, dict(rates), f"{caller.filename}:{caller.lineno}")


def problem(name):
    """A fresh instance of the registered problem class."""
    return PROBLEMS.get(name)()


def modality(name):
    return MODALITIES.get(name)


def model(name):
    return MODELS.get(name)


def hparams(name):
    """The hparams set built by its registered function (a new object each call)."""
    hp = HPARAMS.get(name)()
    hp.set_name = name
    return hp


def mixture(name):
    return MIXTURES.get(name)


def experiment(name):
    """The registered experiment's function (call it, or use t2t_mm.experiments.build, for the plan)."""
    return EXPERIMENTS.get(name)


def expand_problems(spec):
    """'a,b' or a mixture name -> {problem_name: weight}; unknown names raise with suggestions."""
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise RegistryError("no problems given: pass --problems=NAME[,NAME...] or a mixture name")
    rates = {}
    for name in names:
        if name in MIXTURES:
            rates.update(MIXTURES.get(name))
        elif name in PROBLEMS:
            rates[name] = 1.0
        else:
            known = PROBLEMS.names() + MIXTURES.names()
            raise RegistryError(f"no problem named '{name}'.{naming.did_you_mean(name, known)} {HINT}")
    for name in rates:
        PROBLEMS.get(name)
    return rates


def help_text():
    """Everything registered, grouped by kind (what --registry_help prints)."""
    lines = []
    for reg in ALL:
        names = reg.names()
        lines.append(f"{reg.plural} ({len(names)}):")
        for name in names:
            entry = reg.get(name)
            detail = ", ".join(sorted(entry)) if isinstance(entry, dict) else ""
            if reg is EXPERIMENTS and (entry.__doc__ or "").strip():
                detail = entry.__doc__.strip().splitlines()[0]
            lines.append(f"  {name}" + (f"  [{detail}]" if detail else ""))
    return "\n".join(lines)
