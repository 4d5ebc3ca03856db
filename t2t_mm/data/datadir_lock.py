"""One mm-datagen per --data_dir at a time: a second one would delete the first's temporary shards.

The lock is ``data_dir/.mm-datagen.lock``, flock-ed for the whole run and holding the owner's pid. The
kernel releases a flock when its process dies, however it dies, so a lock left by a killed run never
blocks the next one; the file itself may stay behind and means nothing without the flock.
"""
import contextlib
import os

from t2t_mm.data.data_errors import DataDirError

LOCK_FILE = ".mm-datagen.lock"

try:
    import fcntl
except ImportError:  # no flock on this platform: runs are not guarded
    fcntl = None


def _owner(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


_held = {}   # real path of a data dir -> nesting depth, for this process


@contextlib.contextmanager
def hold(data_dir):
    """Holds the data dir's lock while the block runs, or raises DataDirError naming the other pid.
    Re-entrant within one process (a flock taken twice by one process would refuse itself)."""
    key = os.path.realpath(data_dir)
    if fcntl is None or key in _held:
        _held[key] = _held.get(key, 0) + 1
        try:
            yield
        finally:
            _held[key] -= 1
            if not _held[key]:
                del _held[key]
        return
    with _locked(data_dir):
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]


@contextlib.contextmanager
def _locked(data_dir):
    path = os.path.join(data_dir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = _owner(fd)
            who = f"pid {pid}" if pid else "another process"
            raise DataDirError(f"another mm-datagen ({who}) is writing to --data_dir={data_dir}; wait for it "
                               "to finish (or stop it) and run this again, or use another --data_dir") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        os.fsync(fd)
        yield
    finally:
        os.close(fd)   # releases the flock
