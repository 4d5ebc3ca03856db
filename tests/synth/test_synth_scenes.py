"""The mini image generator: determinism, and labels/captions that are true of the pixels."""
import re

import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.synth.scenes import CLASS_NAMES, COLOURS, NUM_CLASSES, scenes

SAMPLE = list(scenes(3, 300))
_OBJECT = r"a (small|large) (red|green|blue|yellow) (circle|square|triangle|diamond)"
_RELATION = r"(left of|right of|above|below)"
_CAPTION = re.compile(rf"^{_OBJECT}(?: {_RELATION} {_OBJECT}(?: and {_OBJECT} {_RELATION} it)?)?\.$")


def _colour_masks(image):
    """Boolean mask per palette colour: pixels close to it (edge blends and background are not)."""
    pixels = image.astype(np.float64)
    palette = np.array(list(COLOURS.values()), dtype=np.float64)
    distance = np.sqrt(((pixels[:, :, None, :] - palette[None, None]) ** 2).sum(-1))
    return {name: distance[:, :, i] < 70 for i, name in enumerate(COLOURS)}


def _centre(mask):
    ys, xs = np.nonzero(mask)
    return xs.mean(), ys.mean()


def _holds(relation, small, large):
    (sx, sy), (lx, ly) = small, large
    dx, dy = sx - lx, sy - ly
    return {"left of": dx < 0 and abs(dx) > abs(dy), "right of": dx > 0 and abs(dx) > abs(dy),
            "above": dy < 0 and abs(dy) > abs(dx), "below": dy > 0 and abs(dy) > abs(dx)}[relation]


def _parse(text):
    match = _CAPTION.match(text)
    assert match, text
    g = match.groups()
    objects = [g[0:3]] + ([g[4:7]] if g[3] else []) + ([g[7:10]] if g[7] else [])
    relations = [(g[3], 0, 1)] if g[3] else []
    if g[7]:
        relations.append((g[10], 2, 1))
    return objects, relations


def test_same_seed_same_bytes_and_different_seeds_differ():
    again = list(scenes(3, 300))
    for a, b in zip(SAMPLE, again):
        assert a["image"].tobytes() == b["image"].tobytes()
        assert (a["label"], a["caption"]) == (b["label"], b["caption"])
    other = next(scenes(4, 1))
    assert other["image"].tobytes() != SAMPLE[0]["image"].tobytes()


def test_types_shapes_and_image_size():
    for s in SAMPLE[:20]:
        assert s["image"].dtype == np.uint8 and s["image"].shape == (32, 32, 3)
        assert 0 <= s["label"] < NUM_CLASSES and isinstance(s["label"], int)
    assert next(scenes(0, 1, image_size=64))["image"].shape == (64, 64, 3)
    assert NUM_CLASSES == len(CLASS_NAMES) == 16


def test_every_class_occurs_and_scenes_vary():
    labels = {s["label"] for s in SAMPLE}
    assert labels == set(range(NUM_CLASSES))
    counts = {len(_parse(s["caption"])[0]) for s in SAMPLE}
    assert counts == {1, 2, 3}
    backgrounds = [np.median(s["image"]) for s in SAMPLE]
    assert np.std(backgrounds) > 15  # background brightness varies


def test_captions_and_labels_are_true_of_the_pixels():
    checked = 0
    for s in SAMPLE:
        objects, relations = _parse(s["caption"])
        masks = _colour_masks(s["image"])
        named = [colour for _, colour, _ in objects]
        assert len(set(named)) == len(named)
        for colour in COLOURS:  # every named colour is there, and no other
            assert (masks[colour].sum() > 4) == (colour in named), (s["caption"], colour)
        largest = max(named, key=lambda c: masks[c].sum())
        main = next((o for o in objects if o[0] == "large"), objects[0])
        assert largest == main[1], s["caption"]
        assert CLASS_NAMES[s["label"]] == f"{main[1]} {main[2]}"
        for relation, a, b in relations:  # objects[a] <relation> objects[b], measured on pixel centroids
            checked += 1
            assert _holds(relation, _centre(masks[objects[a][1]]), _centre(masks[objects[b][1]])), s["caption"]
    assert checked > 200


def test_large_shapes_have_their_named_outline():
    seen = set()
    for s in scenes(3, 200, image_size=64):  # 64 pixels: outlines are clear of pixelation
        objects, _ = _parse(s["caption"])
        for size, colour, shape in objects:
            if size != "large":
                continue
            mask = _colour_masks(s["image"])[colour]
            ys, xs = np.nonzero(mask)
            box = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            fill = box.mean()
            top, bottom = box[: len(box) // 2].sum(), box[(len(box) + 1) // 2:].sum()
            if shape == "square":
                assert fill > 0.88, fill
            elif shape == "circle":
                assert 0.65 < fill < 0.86, fill
            else:
                assert 0.33 < fill < 0.62, (shape, fill)
                if shape == "triangle":
                    assert top < 0.8 * bottom  # apex up
                else:
                    assert abs(top - bottom) <= 0.3 * max(top, bottom)  # diamond: symmetric
            seen.add(shape)
    assert seen == {"circle", "square", "triangle", "diamond"}


def test_bad_arguments_are_user_errors():
    with pytest.raises(UserError, match="image_size"):
        next(scenes(0, 1, image_size=8))
    with pytest.raises(UserError, match="count"):
        next(scenes(0, -2))
