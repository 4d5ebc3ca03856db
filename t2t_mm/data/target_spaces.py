"""The append-only command-token table data_dir/target_spaces.json ("To-English" -> id).

The decoder starts every output from a learned embedding of its target space. Ids are assigned the
first time a space is seen and never change, so a plugin problem added later gets the next free id and
existing checkpoints keep meaning the same thing. Id 0 is reserved ("To-Generic") so an unset id never
aliases a real space.
"""
import contextlib
import fcntl
import json
import os

from t2t_mm import atomic
from t2t_mm.data.data_errors import CorruptDataError

FILENAME = "target_spaces.json"
RESERVED = "To-Generic"


def command_token(target_space):
    """'english' -> 'To-English', 'parse_tree' -> 'To-Parse-Tree'; 'To-X' passes through."""
    if target_space.startswith("To-"):
        return target_space
    words = target_space.replace("-", "_").split("_")
    return "To-" + "-".join(w[:1].upper() + w[1:] for w in words if w)


def path(data_dir):
    return os.path.join(data_dir, FILENAME)


def read(data_dir):
    """{command token: id}, or just the reserved entry when the table does not exist yet."""
    try:
        with open(path(data_dir)) as f:
            table = json.load(f)
    except FileNotFoundError:
        return {RESERVED: 0}
    except (ValueError, OSError) as exc:
        raise CorruptDataError(f"{path(data_dir)} is not a readable JSON command-token table ({exc}); "
                               "restore it from a backup: its ids are baked into trained checkpoints") from exc
    if not isinstance(table, dict) or sorted(table.values()) != list(range(len(table))):
        raise CorruptDataError(f"{path(data_dir)} must map command tokens to the ids 0..N-1; "
                               "restore it from a backup: its ids are baked into trained checkpoints")
    return table


@contextlib.contextmanager
def _locked(data_dir):
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, ".target_spaces.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure(data_dir, target_spaces):
    """Ids of the given spaces, appending unseen ones to the table (atomically, under a lock)."""
    tokens = [command_token(s) for s in target_spaces]
    table = read(data_dir)
    if all(t in table for t in tokens):
        return [table[t] for t in tokens]
    with _locked(data_dir):
        table = read(data_dir)
        for token in tokens:
            if token not in table:
                table[token] = len(table)
        atomic.write_text(path(data_dir), json.dumps(table, indent=1))
    return [table[t] for t in tokens]


def space_id(data_dir, target_space):
    return ensure(data_dir, [target_space])[0]
