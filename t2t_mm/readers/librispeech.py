"""LibriSpeech (openslr.org/12, CC BY 4.0): ``<split>/<speaker>/<chapter>/*.flac`` + ``*.trans.txt``.

Each chapter's ``<speaker>-<chapter>.trans.txt`` has lines ``<utterance-id> <UPPER CASE TEXT>``
(trailing spaces and a missing final newline tolerated). Split folders map to train (train-*),
dev (dev-*) and test (test-*). TFDS's builder needs Apache Beam, so files are read directly.
"""

import os

import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.readers import walk


def split_of(folder_name):
    name = folder_name.lower()
    for prefix, split in (("train", "train"), ("dev", "dev"), ("test", "test")):
        if name.startswith(prefix):
            return split
    return None


def read_trans(path):
    """[(utterance id, transcript)] of one .trans.txt file."""
    out = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.strip().split(" ", 1)
            if parts == [""]:
                continue
            if len(parts) != 2:
                raise UserError("%s:%d: expected '<utterance-id> <TEXT>', got %r" % (path, number, line))
            out.append((parts[0], " ".join(parts[1].split())))
    return out


def find_utterances(root):
    """[(utterance id, flac path, transcript, split)] under ``root`` (a LibriSpeech/ folder or one
    of its split folders)."""
    out = []
    for trans in walk.find(root, "*.trans.txt"):
        chapter_dir = os.path.dirname(trans)
        split = split_of(os.path.normpath(chapter_dir).split(os.sep)[-3])  # <split>/<speaker>/<chapter>
        for utt, text in read_trans(trans):
            flac = os.path.join(chapter_dir, utt + ".flac")
            if not os.path.exists(flac):
                raise UserError("%s lists %s but %s is missing; re-extract the LibriSpeech archive."
                                % (trans, utt, flac))
            out.append((utt, flac, text, split))
    if not out:
        raise UserError("no LibriSpeech *.trans.txt under %s; point --tmp_dir at the extracted "
                        "LibriSpeech/ folder (e.g. LibriSpeech/train-clean-100/...)." % root)
    return out


def read_flac(path):
    """Mono float32 waveform in [-1, 1) and its sample rate."""
    import soundfile

    try:
        wave, rate = soundfile.read(path, dtype="float32", always_2d=False)
    except RuntimeError as err:
        raise UserError("%s: cannot decode FLAC (%s); the file is corrupt or truncated -- re-extract "
                        "it." % (path, err))
    return (wave.mean(axis=1) if wave.ndim == 2 else wave).astype(np.float32), rate
