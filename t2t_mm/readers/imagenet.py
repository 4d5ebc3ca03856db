"""ILSVRC-2012 (ImageNet) in its class-folder layout: ``train/<wnid>/*.JPEG``, ``val/<wnid>/*.JPEG``.

Labels are the index of the wnid in the 1000-wnid list (``imagenet_lsvrc_2015_synsets.txt``, one
wnid a line, sorted; Kaggle's ``LOC_synset_mapping.txt`` works too), or the sorted train folders
when all 1000 are present. A flat ``val/`` is labelled by ``imagenet_2012_validation_synset_labels.txt``
(wnid of val image i on line i) or Kaggle's ``LOC_val_solution.csv``. ImageNet has grayscale and CMYK
JPEGs (and a PNG named .JPEG): those are converted to RGB JPEG; RGB JPEGs pass through untouched.
``preprocess`` is the paper-era input pipeline step (resize the shorter side, crop, standardize).
"""

import io
import os
import re

from t2t_mm.errors import UserError
from t2t_mm.readers.walk import find as walk_find, walk

SYNSET_FILES = ("imagenet_lsvrc_2015_synsets.txt", "LOC_synset_mapping.txt", "synsets.txt")
VAL_LABEL_FILES = ("imagenet_2012_validation_synset_labels.txt", "LOC_val_solution.csv")
_IMAGE = re.compile(r"\.(jpe?g|png)$", re.IGNORECASE)
_VAL_NUMBER = re.compile(r"ILSVRC2012_val_0*(\d+)", re.IGNORECASE)
_WNID = re.compile(r"^n\d{8}$")


def _find(root, names):
    for name in names:
        hits = walk_find(root, name)
        if hits:
            return hits[0]
    return None


def find_root(tmp_dir, max_depth=4):
    """The folder holding ``train/<wnid>/`` or ``val/`` at or under ``tmp_dir`` (``tmp_dir`` itself,
    ``imagenet/``, Kaggle's ``ILSVRC/Data/CLS-LOC/``...: the first found); None if there is none."""
    def holds_images(folder):
        return any(_WNID.match(n) or _VAL_NUMBER.search(n) for n in os.listdir(folder))

    for dirpath, dirnames, _ in walk(tmp_dir):
        if any(d in ("train", "val") and holds_images(os.path.join(dirpath, d)) for d in dirnames):
            return dirpath
        depth = 0 if dirpath == tmp_dir else os.path.relpath(dirpath, tmp_dir).count(os.sep) + 1
        dirnames[:] = sorted(dirnames) if depth < max_depth else []
    return None


def read_wnids(root, image_root=None):
    """The 1000 wnids in label order (the list file is searched for under ``root``)."""
    path = _find(root, SYNSET_FILES)
    if path:
        with open(path, encoding="utf-8") as f:
            wnids = [line.split()[0].strip(",") for line in f if line.strip()]
    else:
        train = os.path.join(image_root or root, "train")
        wnids = sorted(d for d in os.listdir(train) if os.path.isdir(os.path.join(train, d))) \
            if os.path.isdir(train) else []
    if len(wnids) != 1000 or len(set(wnids)) != 1000:
        raise UserError("need the 1000 ILSVRC-2012 class ids under %s: put imagenet_lsvrc_2015_synsets.txt "
                        "(one wnid a line, sorted) there (found %d ids%s)."
                        % (root, len(wnids), " in " + path if path else ""))
    return wnids


def _val_labels(root):
    path = _find(root, VAL_LABEL_FILES)
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    if path.endswith(".csv"):  # ImageId,PredictionString "<wnid> x y x y ..."
        return {int(_VAL_NUMBER.search(l).group(1)): l.split(",")[1].split()[0]
                for l in lines[1:] if _VAL_NUMBER.search(l)}
    return {i + 1: wnid for i, wnid in enumerate(lines)}


def list_images(root, split_dir, wnids, labels_root=None):
    """[(path, label)] of ``root/<split_dir>``, sorted by path (val label files are searched for
    under ``labels_root``, default ``root``)."""
    index = {w: i for i, w in enumerate(wnids)}
    folder = os.path.join(root, split_dir)
    out, flat = [], []
    for dirpath, _, names in walk(folder):
        wnid = os.path.basename(dirpath)
        for name in names:
            if not _IMAGE.search(name):
                continue
            path = os.path.join(dirpath, name)
            if dirpath != folder:
                if wnid not in index:
                    raise UserError("%s: folder %s is not one of the 1000 ILSVRC-2012 classes." % (path, wnid))
                out.append((path, index[wnid]))
            else:
                flat.append(path)
    if flat:
        labels = _val_labels(labels_root or root)
        for path in flat:
            number = _VAL_NUMBER.search(os.path.basename(path))
            if not number or int(number.group(1)) not in labels:
                raise UserError("%s sits in a flat %s/ with no label; add imagenet_2012_validation_synset_"
                                "labels.txt or LOC_val_solution.csv, or sort val/ into <wnid>/ folders."
                                % (path, split_dir))
            out.append((path, index[labels[int(number.group(1))]]))
    return sorted(out)


def rgb_jpeg_bytes(path, origin="the ILSVRC-2012 archive"):
    """The image as RGB JPEG bytes: the file itself when it already is one, else converted. ``origin``
    names where a damaged file can be extracted from again (COCO passes its image zip)."""
    from PIL import Image

    with open(path, "rb") as f:
        data = f.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG" and image.mode == "RGB":
                image.load()  # fails on a truncated file
                return data
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=95)
            return out.getvalue()
    except (OSError, SyntaxError) as err:
        raise UserError("%s cannot be decoded as an image (%s); the file is truncated or corrupt -- "
                        "re-extract it from %s." % (path, err, origin))


def preprocess(image, image_size, training, seed=None):
    """uint8 [h, w, 3] -> float32 [image_size, image_size, 3] as in the paper's era (Inception/Xception
    input): resize the shorter side to image_size / 0.875, then a random crop and left-right flip in
    training or the central crop otherwise, then per-image standardization."""
    import tensorflow as tf

    image = tf.cast(image, tf.float32)
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = tf.math.ceil(image_size / 0.875) / tf.reduce_min(shape)
    image = tf.image.resize(image, tf.cast(tf.math.ceil(shape * scale), tf.int32))
    if training:
        image = tf.image.random_crop(image, [image_size, image_size, 3], seed=seed)
        image = tf.image.random_flip_left_right(image, seed=seed)
    else:
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        top, left = (height - image_size) // 2, (width - image_size) // 2
        image = image[top:top + image_size, left:left + image_size, :]
    image.set_shape([image_size, image_size, 3])
    return tf.image.per_image_standardization(image)
