"""WSJ0/WSJ1 speech (LDC93S6B, LDC94S13B): `.wv1` SPHERE audio paired with `.dot`/`.lsn` transcripts.

Transcript files hold one utterance a line, ``TEXT (utterance_id)``. ``.lsn`` (lexical SNOR) text is
already normalized; ``.dot`` text carries markers that ``normalize_transcript`` removes: noises in
``[brackets]``, ``<inserted words>`` brackets, ``*mispronounced*`` stars, ``~`` fragments and the
backslash of verbal punctuation (``\\,COMMA`` -> ``,COMMA``, the .lsn form). Text is upper-cased.
Splits follow the usual recipe: si_tr_s (SI-284) train, si_dt_05 (dev93) dev, si_et_05 (eval92) test.
"""

import os
import re
import zlib

from t2t_mm.errors import UserError
from t2t_mm.readers.walk import walk

_LINE = re.compile(r"^(.*)\((\S+)\)\s*$")
SPLIT_DIRS = {"si_tr_s": "train", "si_dt_05": "dev", "si_et_05": "test"}


def read_transcripts(path):
    """{utterance id (lower case): raw transcript} from one .dot or .lsn file."""
    out = {}
    with open(path, encoding="latin-1") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            match = _LINE.match(line.rstrip("\n"))
            if not match:
                raise UserError("%s:%d: expected 'TEXT (utterance_id)', got %r; is this a WSJ .dot/.lsn "
                                "transcript file?" % (path, number, line.strip()[:80]))
            out[match.group(2).lower()] = match.group(1).strip()
    return out


def normalize_transcript(text):
    """Plain upper-case words from a .dot/.lsn transcript (see module docstring)."""
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"[<>*~]", "", text).replace("\\", "")
    return " ".join(text.upper().split())


def split_of(path):
    """train/dev/test from the standard WSJ directory names in ``path``, or None."""
    parts = [p.lower() for p in os.path.normpath(path).split(os.sep)]
    for part in reversed(parts):
        if part in SPLIT_DIRS:
            return SPLIT_DIRS[part]
    return None


def hash_split(utterance_id):
    """A stable 90/5/5 split for corpora laid out without the standard directories."""
    bucket = zlib.crc32(utterance_id.encode()) % 100
    return "dev" if bucket < 5 else "test" if bucket < 10 else "train"


def find_utterances(root, extension=".wv1"):
    """[(utterance id, audio path, normalized transcript, split)] for every audio file with a
    transcript under ``root``. Audio without a transcript is skipped (WSJ has some)."""
    audio, texts = {}, {}
    for dirpath, _, names in walk(root):
        for name in sorted(names):
            stem, ext = os.path.splitext(name)
            full = os.path.join(dirpath, name)
            if ext.lower() == extension:
                audio[stem.lower()] = full
            elif ext.lower() in (".lsn", ".dot"):
                for utt, text in read_transcripts(full).items():
                    if ext.lower() == ".lsn" or utt not in texts:  # prefer the normalized .lsn
                        texts[utt] = text
    if not audio:
        raise UserError("no %s files under %s: point --tmp_dir at the extracted WSJ0/WSJ1 discs "
                        "(LDC93S6B, LDC94S13B)." % (extension, root))
    known = any(split_of(p) for p in audio.values())
    out = []
    for utt in sorted(audio):
        if utt in texts:
            split = split_of(audio[utt]) if known else hash_split(utt)
            out.append((utt, audio[utt], normalize_transcript(texts[utt]), split))
    if not out:
        raise UserError("found %d %s files under %s but no .dot/.lsn transcript names them; copy the "
                        "transcription directories too." % (len(audio), extension, root))
    return out
