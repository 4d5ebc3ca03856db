"""Atomic file writes: a temp file beside the target, then a rename, so an interrupted run never
leaves a partial file under the final name (hparams.json, problems.json, meta and command tables)."""
import os


def write_bytes(path, data):
    """Writes bytes to path atomically; the directory is created if missing."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_text(path, text):
    """Writes text (UTF-8) to path atomically; the directory is created if missing."""
    write_bytes(path, text.encode("utf-8"))
