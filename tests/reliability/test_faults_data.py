"""Fault injection on the data side (issue 11): each test builds the fault, runs the code a user runs,
and asserts the one-line error (or the safe outcome) the docs/RELIABILITY.md table promises."""
import io
import os
import tarfile
import threading

import pytest

from t2t_mm.errors import UserError
from t2t_mm.readers import archives


# --- 1. archives: nothing escapes --tmp_dir, nothing hangs ----------------------------------------------
def _tar(path, members):
    """members: (name, kind, payload) with kind 'file' (payload bytes), 'dir' or 'sym' (payload target)."""
    with tarfile.open(path, "w") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
    return str(path)


def _with_deadline(fn, seconds=20):
    """Runs fn in a thread; fails (instead of hanging the suite) when it does not return in time."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn} did not return within {seconds}s (a link cycle followed?)"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_tar_symlink_chain_cannot_write_outside_tmp_dir(tmp_path):
    tmp_dir = tmp_path / "deep" / "er" / "tmp"
    tmp_dir.mkdir(parents=True)
    _tar(tmp_dir / "training-evil.tar", [("a", "sym", "."), ("b", "sym", "a/a/a/../../.."),
                                         ("b/X", "file", b"escaped")])
    with pytest.raises(UserError, match="training-evil.tar") as err:
        archives.extract_all(str(tmp_dir), ("training*",))
    assert "\n" not in str(err.value)
    escaped = [p for p in tmp_path.rglob("X")]
    assert escaped == [], f"a member was written outside --tmp_dir: {escaped}"


def test_tar_member_through_a_link_to_outside_is_refused(tmp_path):
    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir()
    _tar(tmp_dir / "training-evil.tar", [("d", "sym", "."), ("d/../../Y", "file", b"escaped")])
    with pytest.raises(UserError, match="training-evil.tar"):
        archives.extract_all(str(tmp_dir), ("training*",))
    assert not (tmp_path / "Y").exists()


def test_tar_self_links_do_not_hang_extraction_or_readers(tmp_path):
    from t2t_mm.readers import wmt
    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir()
    _tar(tmp_dir / "training-loops.tar", [("x", "sym", "."), ("y", "sym", "."),
                                          ("corpus.de", "file", b"Hallo\n"), ("corpus.en", "file", b"Hello\n")])
    _with_deadline(lambda: archives.extract_all(str(tmp_dir), ("training*",)))
    again = _with_deadline(lambda: archives.extract_all(str(tmp_dir), ("training*",)))  # walks the result
    assert len(again) == 1
    pairs = _with_deadline(lambda: wmt.find_pairs(str(tmp_dir), "de", "en"))
    assert [p[0] for p in pairs] == ["corpus"]   # found once, not once per link
    from t2t_mm.readers import coco, imagenet, librispeech
    assert _with_deadline(lambda: coco.find_annotation_files(str(tmp_dir))) == {"train": [], "dev": []}
    with pytest.raises(UserError, match="no LibriSpeech"):
        _with_deadline(lambda: librispeech.find_utterances(str(tmp_dir)))
    assert _with_deadline(lambda: imagenet.find_root(str(tmp_dir))) is None


def test_tar_ordinary_archive_still_extracts(tmp_path):
    _tar(tmp_path / "training-ok.tar", [("c", "dir", None), ("c/corpus.de", "file", b"Hallo\n"),
                                        ("c/link.de", "sym", "corpus.de")])
    (out,) = archives.extract_all(str(tmp_path), ("training*",))
    assert open(os.path.join(out, "c", "corpus.de")).read() == "Hallo\n"
    assert open(os.path.join(out, "c", "link.de")).read() == "Hallo\n"
