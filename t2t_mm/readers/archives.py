"""Safe extraction of the .tgz/.tar archives corpora are shipped in (WMT training sets, LibriSpeech).

Every member is checked before anything is written: an absolute path, a ``..`` that climbs out of
the target directory, a symbolic/hard link whose target lies outside it, and any member or link target
that passes through a symbolic link of the archive (``a -> .``, ``b -> a/a/../..``, ``b/X``: a chain
that only resolves outside once ``a`` exists on disk) are refused with an error naming the member.
Each member is then checked again against what is already on disk as it is extracted, through
Python's ``tarfile`` 'data' filter where this Python has it. Device files and FIFOs are refused.
Extraction is idempotent: a done-marker skips archives already unpacked; a partial one is redone
(over what it left, which the checks above and the filter see as already on disk).
The extracted tree is walked without following its links (t2t_mm.readers.walk).
"""

import fnmatch
import os
import shutil
import tarfile
import zlib

from t2t_mm.readers import walk as walk_lib

from t2t_mm.errors import UserError

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz")
_DONE = ".extracted"
EXTRACTED_DIR = walk_lib.EXTRACTED_DIR


class UnsafeArchiveError(UserError):
    """An archive member that would be written outside the extraction directory."""


def is_archive(path):
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def _inside(root, path):
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


def _parts(name):
    return [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]


def _through_link(parts, links):
    """The archive symlink a path (components, from the archive root) passes through, or None."""
    for i in range(1, len(parts)):
        if "/".join(parts[:i]) in links:
            return "/".join(parts[:i])
    return None


def _link_target_parts(member):
    """Components of a link's target from the archive root, resolved lexically step by step (None when
    it climbs above the root), and every intermediate path walked (to spot archive symlinks on the way)."""
    where = _parts(member.name)[:-1] if member.issym() else []
    walked = []
    for part in _parts(member.linkname):
        if part == "..":
            if not where:
                return None, walked
            where.pop()
        else:
            where.append(part)
        walked.append("/".join(where))
    return where, walked


def check_members(tar, archive_path, target_dir):
    """Raises UnsafeArchiveError for the first member that could escape ``target_dir``."""
    links = {"/".join(_parts(m.name)) for m in tar.getmembers() if m.issym()}
    for member in tar.getmembers():
        name = member.name
        where = "%s: member %r" % (archive_path, name)
        if os.path.isabs(name) or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise UnsafeArchiveError("%s has an absolute path; refusing to extract it. Re-download the "
                                     "archive from its official source." % where)
        dest = os.path.join(target_dir, name)
        if ".." in name.replace("\\", "/").split("/") or not _inside(target_dir, dest):
            raise UnsafeArchiveError("%s climbs out of the extraction directory with '..'; refusing "
                                     "to extract it. Re-download the archive from its official source."
                                     % where)
        via = _through_link(_parts(name), links)
        if via:
            raise UnsafeArchiveError("%s lies under the archive's own symbolic link %r; refusing to "
                                     "extract it (a link chain can lead outside). Re-download the "
                                     "archive from its official source." % (where, via))
        if member.issym() or member.islnk():
            link = member.linkname
            base = os.path.dirname(dest) if member.issym() else target_dir
            if os.path.isabs(link) or not _inside(target_dir, os.path.join(base, link)):
                raise UnsafeArchiveError("%s is a link to %r outside the extraction directory; refusing "
                                         "to extract it." % (where, link))
            resolved, walked = _link_target_parts(member)
            # a symlink may name another symlink as its target; nothing may pass *through* one
            through = [w for w in (walked if member.islnk() else walked[:-1]) if w in links]
            if resolved is None or through:
                raise UnsafeArchiveError("%s is a link to %r, which %s; refusing to extract it."
                                         % (where, link, "climbs outside the archive" if resolved is None
                                            else "goes through the archive's link %r" % through[0]))
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError("%s is a device file or FIFO; refusing to extract it." % where)


_FILTER_ERRORS = (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()   # none: catches nothing


def extract(archive_path, target_dir):
    """Unpacks an archive into ``target_dir`` after checking every member; returns target_dir."""
    marker = os.path.join(target_dir, _DONE)
    if os.path.exists(marker):
        return target_dir
    try:
        with tarfile.open(archive_path, "r:*") as tar:
            check_members(tar, archive_path, target_dir)
            os.makedirs(target_dir, exist_ok=True)
            for member in tar.getmembers():
                _check_on_disk(member, archive_path, target_dir)
                _extract_member(tar, member, target_dir)
    except _FILTER_ERRORS as err:
        raise UnsafeArchiveError("%s: member %r is refused by the tarfile 'data' filter (%s); refusing "
                                 "to extract it. Re-download the archive from its official source."
                                 % (archive_path, getattr(err, "tarinfo", None) and err.tarinfo.name, err))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise UserError("%s cannot be unpacked (%s); it is truncated or not a tar archive -- "
                        "re-download it." % (archive_path, err))
    with open(marker, "w"):
        pass
    return target_dir


def _check_on_disk(member, archive_path, target_dir):
    """The member's destination and link target, resolved against what is on disk now, stay inside."""
    dest = os.path.join(target_dir, member.name)
    if not _inside(target_dir, os.path.dirname(dest)):
        raise UnsafeArchiveError("%s: member %r would be written outside the extraction directory "
                                 "(through a link on disk); refusing to extract it." % (archive_path, member.name))
    if member.issym() and not _inside(target_dir, os.path.join(os.path.dirname(dest), member.linkname)):
        raise UnsafeArchiveError("%s: member %r is a link to %r outside the extraction directory; "
                                 "refusing to extract it." % (archive_path, member.name, member.linkname))


def _extract_member(tar, member, target_dir):
    if hasattr(tarfile, "data_filter"):   # Python's own on-disk checks (3.12, 3.11.4+, 3.10.12+)
        tar.extract(member, target_dir, set_attrs=False, filter="data")
        return
    dest = os.path.join(target_dir, member.name)
    if member.isdir():
        os.makedirs(dest, exist_ok=True)
        return
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if member.issym():
        if os.path.lexists(dest):
            os.remove(dest)
        os.symlink(member.linkname, dest)
        return
    source = tar.extractfile(member)  # for a hard link, the data of the file it links to
    with source, open(dest, "wb") as out:
        shutil.copyfileobj(source, out)


def extract_all(root, patterns=("*",)):
    """Extracts every archive under ``root`` whose file name matches one of ``patterns`` (fnmatch,
    case-insensitive; a problem names its own corpus's archives, so a WMT problem never unpacks
    ImageNet) into ``root/_extracted/<its relative path>/`` (inside ``root`` even when the archive
    sits in a linked, read-only folder); returns those directories."""
    out = []
    for dirpath, _, names in walk_lib.walk(root, skip=(EXTRACTED_DIR,)):
        for name in names:
            if is_archive(name) and any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns):
                path = os.path.join(dirpath, name)
                target = os.path.join(root, EXTRACTED_DIR, os.path.relpath(path, root))
                out.append(extract(path, target))
    return out
