"""Typed hyperparameters: every key has a type fixed by its default; overrides are checked against it.

    hp = HParams(hidden_size=512, dropout=0.1, kernel_sizes=[3, 3, 15, 15])
    hp.parse("hidden_size=256,kernel_sizes=[3,3,7,7]")
    hp.hidden_sze = 3   # HParamsError: ... has no 'hidden_sze' (...). Did you mean: hidden_size?

Numeric keys can also carry an allowed range (Range), declared beside the type; a key without a declared
range takes any value of its type, so new keys need no range.

This module is the container only. Building a run's hparams (the registered set, a resumed run's
hparams.json, --hparams, the ranges of the well-known keys) and the plain base set are in
t2t_mm.hparams_lib.
"""
import ast
import json

from t2t_mm import naming
from t2t_mm.errors import HParamsError

_SCALARS = (bool, int, float, str)


class Range:
    """Allowed values of a numeric hparam (each item, for a list): low/high bounds, inclusive unless open."""

    def __init__(self, low=None, high=None, low_open=False, high_open=False):
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def contains(self, value):
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:  # v != v: NaN
                return False
            if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
                return False
            if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
                return False
        return True

    def __str__(self):
        if self.low is not None and self.high is not None:
            return f"in {'(' if self.low_open else '['}{self.low}, {self.high}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low}"
        return f"{'<' if self.high_open else '<='} {self.high}"


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
        object.__setattr__(self, "_ranges", {})
        for key, value in values.items():
            self.add_hparam(key, value)

    def add_hparam(self, key, default, valid=None):
        """A new key, typed by its default; valid (a Range) limits its values."""
        if key in self._values:
            raise HParamsError(f"hparam '{key}' already exists; assign to it instead of adding it")
        if not (isinstance(default, _SCALARS) or isinstance(default, list)):
            raise HParamsError(f"hparam '{key}': type {type(default).__name__} is not supported "
                               "(use bool, int, float, str or a list of them)")
        self._values[key] = list(default) if isinstance(default, list) else default
        if valid is not None:
            self.declare_ranges({key: valid})

    def declare_ranges(self, ranges):
        """Limits the keys of ranges that this set has (others are ignored); current values must fit."""
        for key, valid in ranges.items():
            if key in self._values:
                self._ranges[key] = valid
                self._check_range(key, self._values[key])
        return self

    def _check_range(self, key, value):
        valid = self._ranges.get(key)
        if valid is not None and not valid.contains(value):
            what = f"each item {valid}" if isinstance(value, list) else str(valid)
            raise HParamsError(f"hparams set '{self.set_name}': {key}={value!r} is out of range: {key} must be "
                               f"{_type_name(self._values[key])}, {what} (fix it in --hparams)")

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
        value = _coerce(key, value, self._values[key], self.set_name)
        self._check_range(key, value)
        self._values[key] = value

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
            self._check_range(key, updates[key])
        self._values.update(updates)
        return self

    def values(self):
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._values.items()}

    def copy(self):
        hp = HParams(**self.values())
        hp.set_name = self.set_name
        hp._ranges.update(self._ranges)
        return hp

    def to_json(self):
        return json.dumps({"set_name": self.set_name, "values": self.values()}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        hp = cls(**data["values"])
        hp.set_name = data.get("set_name", "custom")
        return hp

    def __repr__(self):
        body = ", ".join(f"{k}={v!r}" for k, v in sorted(self._values.items()))
        return f"HParams[{self.set_name}]({body})"

    def __eq__(self, other):
        return isinstance(other, HParams) and self._values == other._values
