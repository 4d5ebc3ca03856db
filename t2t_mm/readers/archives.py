"""Safe extraction of the .tgz/.tar archives corpora are shipped in (WMT training sets, LibriSpeech).

Every member is checked before anything is written: an absolute path, a ``..`` that climbs out of
the target directory, or a symbolic/hard link whose target lies outside it is refused with an error
naming the member (a malicious or broken archive must not write outside --tmp_dir). Device files
and FIFOs are refused too. Extraction is idempotent: a done-marker skips archives already unpacked.
"""

import fnmatch
import os
import shutil
import tarfile
import zlib

from t2t_mm.errors import UserError

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz")
_DONE = ".extracted"
EXTRACTED_DIR = "_extracted"


class UnsafeArchiveError(UserError):
    """An archive member that would be written outside the extraction directory."""


def is_archive(path):
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def _inside(root, path):
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


def check_members(tar, archive_path, target_dir):
    """Raises UnsafeArchiveError for the first member that could escape ``target_dir``."""
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
        if member.issym() or member.islnk():
            link = member.linkname
            base = os.path.dirname(dest) if member.issym() else target_dir
            if os.path.isabs(link) or not _inside(target_dir, os.path.join(base, link)):
                raise UnsafeArchiveError("%s is a link to %r outside the extraction directory; refusing "
                                         "to extract it." % (where, link))
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError("%s is a device file or FIFO; refusing to extract it." % where)


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
                _extract_member(tar, member, target_dir)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise UserError("%s cannot be unpacked (%s); it is truncated or not a tar archive -- "
                        "re-download it." % (archive_path, err))
    with open(marker, "w"):
        pass
    return target_dir


def _extract_member(tar, member, target_dir):
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
    for dirpath, dirnames, names in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d != EXTRACTED_DIR)
        for name in sorted(names):
            if is_archive(name) and any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns):
                path = os.path.join(dirpath, name)
                target = os.path.join(root, EXTRACTED_DIR, os.path.relpath(path, root))
                out.append(extract(path, target))
    return out
