"""Checks shards before reading them, so a damaged file is named (TensorFlow's DataLossError is not).

Small data (all shards of a split below FULL_CHECK_BYTES together) is read through completely, which
checks every record's CRC. Larger data gets a framing walk: record headers are followed from the start
and must end exactly at the end of the file, which catches truncated and overwritten files without
reading their payloads. Results are remembered per (path, size, mtime) for the process.

Damage the framing walk cannot see (a flipped payload byte in a large shard) surfaces while reading as
TensorFlow's DataLossError, which names no file: ``naming_corrupt_shards()`` (around each program's
main) then reads every shard this process opened through and raises the error naming the damaged one.
"""
import contextlib
import os
import re
import struct
import sys

from t2t_mm.data.data_errors import CorruptDataError

FULL_CHECK_BYTES = 256 << 20
_checked = set()
_opened = {}   # path -> problem, every shard verify() passed to a pipeline in this process
_RECORD_ERROR = re.compile(r"(corrupted|truncated) record at \d+")   # TFRecord reader's DataLoss messages


def _corrupt(path, problem, why):
    return CorruptDataError(
        f"corrupt TFRecord shard {path}: {why}. Delete it and re-run "
        f"{problem.datagen_command(os.path.dirname(path))}"
        " (the re-run rewrites only missing shards).")


def _key(path):
    stat = os.stat(path)
    return (path, stat.st_size, stat.st_mtime_ns)


def verify(paths, problem, parse_spec=None):
    """Raises CorruptDataError naming the first damaged shard; also parses one record per set."""
    _opened.update((p, problem) for p in paths)
    todo = [p for p in paths if _key(p) not in _checked]
    full = sum(os.path.getsize(p) for p in todo) <= FULL_CHECK_BYTES
    for path in todo:
        (_read_all if full else _walk_framing)(path, problem)
        _checked.add(_key(path))
    if parse_spec is not None and todo:
        _parse_first(todo, problem, parse_spec)


def _read_all(path, problem):
    import tensorflow as tf
    try:
        for _ in tf.data.TFRecordDataset(path).batch(4096):
            pass
    except (tf.errors.DataLossError, tf.errors.OutOfRangeError) as exc:
        found = _RECORD_ERROR.search(exc.message)   # TF's message around it names ops, not the file
        raise _corrupt(path, problem, found.group(0) if found else exc.message.strip().splitlines()[-1]) from None


def _walk_framing(path, problem):
    size, offset = os.path.getsize(path), 0
    with open(path, "rb") as f:
        while offset < size:
            header = f.read(12)
            if len(header) < 12:
                raise _corrupt(path, problem, f"truncated record header at byte {offset}")
            (length,) = struct.unpack("<Q", header[:8])
            offset += 12 + length + 4
            if offset > size:
                raise _corrupt(path, problem, f"record at byte {offset - length - 16} runs past the end")
            f.seek(offset)


def _parse_first(paths, problem, parse_spec):
    """One record parsed with the problem's feature spec: catches shards of a different layout."""
    import tensorflow as tf
    for path in paths:
        for record in tf.data.TFRecordDataset(path).take(1):
            try:
                tf.io.parse_single_example(record, parse_spec)
            except tf.errors.InvalidArgumentError as exc:
                raise _corrupt(path, problem, "its examples do not have the features of "
                               f"{problem.name} ({exc.message.strip().splitlines()[0]})") from None
            return


def find_damaged(paths_and_problems=None):
    """Reads the given (default: every opened) shards through; raises CorruptDataError for the first
    damaged one, returns quietly when all read cleanly."""
    for path, problem in sorted((paths_and_problems or _opened).items()):
        if os.path.exists(path):
            _read_all(path, problem)


@contextlib.contextmanager
def naming_corrupt_shards():
    """Turns a DataLossError raised while reading shards into the CorruptDataError that names the shard
    and the mm-datagen command that rewrites it (the original propagates if no shard is damaged)."""
    try:
        yield
    except Exception as exc:
        tf = sys.modules.get("tensorflow")
        if (tf is None or not isinstance(exc, tf.errors.DataLossError) or not _opened
                or not _RECORD_ERROR.search(str(exc))):   # e.g. a damaged checkpoint: not ours to name
            raise
        size = sum(os.path.getsize(p) for p in _opened if os.path.exists(p))
        print(f"a TFRecord shard is damaged; reading the {len(_opened)} shards in use ({size / 2**20:,.0f} MiB) "
              "to name it...", file=sys.stderr, flush=True)
        find_damaged()
        raise
