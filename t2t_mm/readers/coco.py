"""MS-COCO captions in the official layout: ``annotations/captions_<split><year>.json`` + image folder.

The JSON has ``images`` (id, file_name) and ``annotations`` (image_id, id, caption), the latter
neither grouped nor sorted by image; captions may carry trailing spaces. Each image is returned
once with all its captions (ordered by annotation id, whitespace normalized). Images live in
``<split><year>/`` beside ``annotations/`` (or under ``images/``); 2014 names them
``COCO_val2014_<12 digits>.jpg``, 2017 just ``<12 digits>.jpg`` -- the JSON's file_name is used.
"""

import json
import os
import re

from t2t_mm.errors import UserError
from t2t_mm.readers import walk

_NAME = re.compile(r"captions_(train|val|test)(\d{4})\.json$")


def find_annotation_files(root):
    """{"train"|"dev": [captions json paths]}: captions_train* -> train, captions_val* -> dev."""
    out = {"train": [], "dev": []}
    for path in walk.find(root, "captions_*.json"):
        match = _NAME.search(os.path.basename(path))
        if match and match.group(1) in ("train", "val"):
            out["train" if match.group(1) == "train" else "dev"].append(path)
    return out


def image_dir(annotation_path):
    """The image folder of an annotation file (``val2017/`` for captions_val2017.json)."""
    match = _NAME.search(os.path.basename(annotation_path))
    folder = match.group(1) + match.group(2) if match else ""
    base = os.path.dirname(os.path.dirname(os.path.abspath(annotation_path)))
    for candidate in (os.path.join(base, folder), os.path.join(base, "images", folder)):
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(base, folder)


def read_captions(annotation_path, images_root=None):
    """[(image id, image path, [captions])] in the file's image order."""
    try:
        with open(annotation_path, encoding="utf-8") as f:
            data = json.load(f)
    except ValueError as err:
        raise UserError("%s is not valid JSON (%s); the download is truncated or corrupt -- fetch it "
                        "again." % (annotation_path, err))
    if not isinstance(data, dict) or "images" not in data or "annotations" not in data:
        raise UserError("%s lacks the 'images'/'annotations' lists of the COCO captions schema; "
                        "is it a captions_*.json file?" % annotation_path)
    by_image = {}
    for ann in sorted(data["annotations"], key=lambda a: a.get("id", 0)):
        text = " ".join(str(ann.get("caption", "")).split())
        if text:
            by_image.setdefault(ann["image_id"], []).append(text)
    folder = images_root or image_dir(annotation_path)
    out = []
    for image in data["images"]:
        captions = by_image.get(image["id"])
        if captions:
            out.append((image["id"], os.path.join(folder, image["file_name"]), captions))
    if not out:
        raise UserError("%s pairs no image with a caption; its annotations name image ids that its "
                        "'images' list lacks." % annotation_path)
    return out


def read_image_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise UserError("COCO image %s is missing; unpack the image zip (e.g. val2014.zip) beside "
                        "annotations/." % path)
