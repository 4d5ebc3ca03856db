"""Walking a raw-data folder without hanging on link cycles or wandering out of extracted archives.

Users link corpora into --tmp_dir, so links to directories are followed there, but each real directory
is visited once (a link cycle such as ``x -> .`` ends instead of recursing forever), and links inside
the folders archives were extracted to (``_extracted/``) are never followed: an archive decides what
it contains, not where its links point.
"""
import os

EXTRACTED_DIR = "_extracted"


def walk(root, skip=()):
    """Like ``os.walk(root)`` (top-down, sorted names): yields (dirpath, dirnames, filenames).
    ``skip`` names directories not to enter; dirnames may be pruned by the caller as with os.walk."""
    seen = set()
    stack = [(root, EXTRACTED_DIR in os.path.normpath(root).split(os.sep))]
    while stack:
        top, in_archive = stack.pop()
        real = os.path.realpath(top)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        dirs, files = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                if is_dir and in_archive and entry.is_symlink():
                    continue   # a link to a directory inside an extracted archive: never followed
            except OSError:
                continue
            (dirs if is_dir else files).append(entry.name)
        dirs = [d for d in dirs if d not in skip]
        yield top, dirs, files
        for name in reversed(dirs):
            stack.append((os.path.join(top, name), in_archive or name == EXTRACTED_DIR))


def files_under(root):
    """Every file path under ``root`` (see ``walk``), sorted by directory then name."""
    for dirpath, _, names in walk(root):
        for name in names:
            yield os.path.join(dirpath, name)


def find(root, pattern):
    """Sorted paths under ``root`` whose file name matches ``pattern`` (fnmatch): a recursive glob
    that ends on link cycles (``glob('**')`` follows them until the path is too long)."""
    import fnmatch
    return sorted(path for path in files_under(root) if fnmatch.fnmatch(os.path.basename(path), pattern))
