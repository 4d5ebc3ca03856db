"""Penn Treebank WSJ `.mrg` files (LDC99T42): trees per file, standard section splits.

The LDC layout is ``parsed/mrg/wsj/<section>/wsj_<section><nn>.mrg`` (NLTK flattens it to
``combined/wsj_0001.mrg``); the section is the first two digits of the file number either way.
Parsing splits (Collins; Vinyals et al. 2015): sections 02-21 train, 22 dev, 23 test. Other
sections (00, 01, 24) belong to no split; when no file of a standard section is present (a sample
such as NLTK's, which is sections 00-01) files are split by a stable hash so every split has data.
"""

import os
import re
import zlib

from t2t_mm.data import trees
from t2t_mm.errors import UserError
from t2t_mm.readers import walk

_NAME = re.compile(r"wsj_(\d\d)(\d\d)\.mrg$", re.IGNORECASE)


def section_split(section):
    """train/dev/test for a WSJ section number, None for 00, 01, 24."""
    if 2 <= section <= 21:
        return "train"
    return {22: "dev", 23: "test"}.get(section)


def read_mrg(path):
    """Cleaned trees of one .mrg file, in order (trees that are only traces are dropped)."""
    with open(path, encoding="latin-1") as f:
        text = f.read()
    cleaned = (trees.clean_tree(t) for t in trees.parse_trees(text, source=path))
    return [t for t in cleaned if t is not None]


def find_files(root):
    """{split: [.mrg paths]} under ``root`` (see module docstring for the split rules)."""
    paths = sorted(walk.find(root, "*.mrg"),
                   key=lambda p: os.path.basename(p).lower())
    if not paths:
        raise UserError("no .mrg files under %s: point --tmp_dir at the Penn Treebank's "
                        "parsed/mrg/wsj folder (LDC99T42) or NLTK's treebank/combined." % root)
    if any(_NAME.search(os.path.basename(p)) for p in paths):  # skip README.mrg and the like
        paths = [p for p in paths if _NAME.search(os.path.basename(p))]
    sections = {}
    for path in paths:
        match = _NAME.search(os.path.basename(path))
        sections[path] = int(match.group(1)) if match else None
    standard = any(s is not None and section_split(s) for s in sections.values())
    out = {"train": [], "dev": [], "test": []}
    for path, section in sections.items():
        if standard:
            split = section_split(section) if section is not None else None
        else:
            bucket = zlib.crc32(os.path.basename(path).encode()) % 10
            split = "dev" if bucket == 0 else "test" if bucket == 1 else "train"
        if split:
            out[split].append(path)
    return out


def examples(paths):
    """(sentence words, linearized tree) for every tree in the files, the parser's input/target."""
    for path in paths:
        for tree in read_mrg(path):
            yield tree.leaves(), trees.linearize(tree)
