"""Typed hyperparameters: every key has a type fixed by its default; overrides are checked against it.

    hp = HParams(hidden_size=512, dropout=0.1, kernel_sizes=[3, 3, 15, 15])
    hp.parse("hidden_size=256,kernel_sizes=[3,3,7,7]")
    hp.hidden_sze = 3   # HParamsError: ... has no 'hidden_sze' (...). Did you mean: hidden_size?
"""
import ast
import json
import os

from t2t_mm import atomic, naming
from t2t_mm.errors import HParamsError

_SCALARS = (bool, int, float, str)


def _type_name(value):
    if isinstance(value, list):
        inner = {_type_name(v) for v in value} or {"any"}
        return f"list of {'/'.join(sorted(inner))}"
    return type(value).__name__


def _coerce(key, value, default, set_name):
    """value converted to the type of default, or HParamsError naming key and expected type."""
    expected = _type_name(default)

    def fail():
        return HParamsError(
            f"hparams set '{set_name}': '{key}' expects {expected}, got {value!r} ({_type_name(value)})")

    if isinstance(default, list):
        if not isinstance(value, (list, tuple)):
            raise fail()
        if not default:
            return list(value)
        try:
            return [_coerce(key, v, default[0], set_name) for v in value]
        except HParamsError:
            raise fail() from None
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise fail()
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise fail()
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise fail()
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        raise fail()
    raise HParamsError(f"'{key}': unsupported hparam type {type(default).__name__}")


def _parse_literal(text):
    """'1' -> 1, '0.5' -> 0.5, 'true' -> True, '[1,2]' -> [1, 2], 'foo' -> 'foo'."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def _split_overrides(text):
    """Splits 'a=1,b=[1,2],c=x' on the commas that are outside brackets."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in (p.strip() for p in parts) if p]


class HParams:
    """A fixed set of typed keys. New keys come only through add_hparam (in hparams set functions)."""

    def __init__(self, **values):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "set_name", "custom")
        for key, value in values.items():
            self.add_hparam(key, value)

    def add_hparam(self, key, default):
        if key in self._values:
            raise HParamsError(f"hparam '{key}' already exists; assign to it instead of adding it")
        if not (isinstance(default, _SCALARS) or isinstance(default, list)):
            raise HParamsError(f"hparam '{key}': type {type(default).__name__} is not supported "
                               "(use bool, int, float, str or a list of them)")
        self._values[key] = list(default) if isinstance(default, list) else default

    def __getattr__(self, key):
        values = object.__getattribute__(self, "_values")
        if key in values:
            return values[key]
        raise self._unknown(key)

    def __setattr__(self, key, value):
        if key == "set_name":
            object.__setattr__(self, key, value)
            return
        if key not in self._values:
            raise self._unknown(key)
        self._values[key] = _coerce(key, value, self._values[key], self.set_name)

    def __contains__(self, key):
        return key in self._values

    def _unknown(self, key):
        """Names the key, the type the closest existing key expects, and the closest keys."""
        close = naming.closest(key, self._values)
        expected = f" ({_type_name(self._values[close[0]])} expected)" if close else ""
        return HParamsError(f"hparams set '{self.set_name}' has no '{key}'{expected}."
                            f"{naming.did_you_mean(key, self._values)}")

    def parse(self, overrides):
        """Applies 'a=1,b=[1,2]' overrides; every key is checked before any is set."""
        updates = {}
        for item in _split_overrides(overrides or ""):
            if "=" not in item:
                raise HParamsError(f"malformed hparams override '{item}': expected key=value, "
                                   "e.g. --hparams='moe_num_experts=16,moe_k=2'")
            key, text = (s.strip() for s in item.split("=", 1))
            if key not in self._values:
                raise self._unknown(key)
            value = _parse_literal(text)
            if isinstance(self._values[key], str):
                value = text  # strings are taken verbatim
            updates[key] = _coerce(key, value, self._values[key], self.set_name)
        self._values.update(updates)
        return self

    def values(self):
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._values.items()}

    def copy(self):
        hp = HParams(**self.values())
        hp.set_name = self.set_name
        return hp

    def to_json(self):
        return json.dumps({"set_name": self.set_name, "values": self.values()}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        hp = cls(**data["values"])
        hp.set_name = data.get("set_name", "custom")
        return hp

    def save(self, output_dir):
        """Writes output_dir/hparams.json atomically."""
        path = os.path.join(output_dir, "hparams.json")
        atomic.write_text(path, self.to_json())
        return path

    @classmethod
    def load(cls, output_dir):
        path = os.path.join(output_dir, "hparams.json")
        if not os.path.exists(path):
            raise HParamsError(f"no hparams.json in {output_dir}: train there first with "
                               f"mm-trainer --output_dir={output_dir} ...")
        with open(path) as f:
            return cls.from_json(f.read())

    def __repr__(self):
        body = ", ".join(f"{k}={v!r}" for k, v in sorted(self._values.items()))
        return f"HParams[{self.set_name}]({body})"

    def __eq__(self, other):
        return isinstance(other, HParams) and self._values == other._values


def create_hparams(set_name, overrides="", output_dir=None):
    """The run's hparams: output_dir/hparams.json when a run is resumed there, else the registered set;
    then the overrides. A resumed run with a different set name is refused (its checkpoints would not fit)."""
    from t2t_mm import registry

    saved = output_dir and os.path.exists(os.path.join(output_dir, "hparams.json"))
    if saved:
        hp = HParams.load(output_dir)
        if set_name and set_name != hp.set_name:
            raise HParamsError(
                f"{output_dir} was trained with --hparams_set={hp.set_name}, not {set_name}: "
                "use another --output_dir, or the same set to resume")
    else:
        hp = registry.hparams(set_name)
    return hp.parse(overrides)
