"""Rendered scenes of coloured shapes, with a class label and a caption that is true of the picture.

A scene holds one to three objects of distinct colours; at most one is "large" and it is the largest.
The label is the largest object's colour and shape (16 classes); the caption names every object and
where each small object lies relative to the large one ("a small red circle left of a large blue
square."), the relation being the dominant axis between centres, so it is true in the pixels.
"""
import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.synth import drawing

COLOURS = {"red": (220, 40, 40), "green": (40, 175, 60), "blue": (45, 80, 225), "yellow": (235, 210, 35)}
SHAPES = drawing.SHAPES
CLASS_NAMES = [f"{colour} {shape}" for colour in COLOURS for shape in SHAPES]
NUM_CLASSES = len(CLASS_NAMES)

LARGE_SIZE = (0.17, 0.23)  # shape size (radius of the equal-area circle) as a fraction of the image
SMALL_SIZE = (0.08, 0.11)
_INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}


def relation(small, large):
    """Where `small` lies relative to `large` along the dominant axis of their centres; None if diagonal."""
    dx, dy = small["x"] - large["x"], small["y"] - large["y"]
    if max(abs(dx), abs(dy)) < 1.3 * min(abs(dx), abs(dy)):
        return None  # too close to a diagonal to name one relation truthfully
    if abs(dx) > abs(dy):
        return "left of" if dx < 0 else "right of"
    return "above" if dy < 0 else "below"


def _place(rng, image_size, shape, size, others):
    reach = drawing.REACH[shape] * size
    if 2 * reach + 1 > image_size:
        return None
    for _ in range(30):
        x, y = rng.uniform(reach, image_size - reach, size=2)
        candidate = {"shape": shape, "size": size, "x": x, "y": y}
        clear = all(np.hypot(x - o["x"], y - o["y"]) > reach + drawing.REACH[o["shape"]] * o["size"] + 1
                    for o in others)
        if clear and all(relation(candidate, o) for o in others[:1]):
            return candidate
    return None


def layout(rng, image_size):
    """A list of objects {"shape", "colour", "size", "x", "y", "large"}, the largest first."""
    count = int(rng.choice([1, 2, 2, 3, 3]))
    colours = rng.permutation(list(COLOURS))[:count]
    large = count > 1 or rng.random() < 0.5
    low, high = LARGE_SIZE if large else SMALL_SIZE
    first = _place(rng, image_size, SHAPES[rng.integers(len(SHAPES))], rng.uniform(low, high) * image_size, [])
    first.update(colour=str(colours[0]), large=large)
    objects = [first]
    for colour in colours[1:]:
        size = rng.uniform(*SMALL_SIZE) * image_size
        placed = _place(rng, image_size, SHAPES[rng.integers(len(SHAPES))], size, objects)
        if placed is not None:
            placed.update(colour=str(colour), large=False)
            objects.append(placed)
    return objects


def _describe(obj):
    return f"a {'large' if obj['large'] else 'small'} {obj['colour']} {obj['shape']}"


def caption(rng, objects):
    """An English caption true of the layout; the relations come from the object centres."""
    anchor = objects[0]
    if len(objects) == 1:
        return _describe(anchor) + "."
    rel = relation(objects[1], anchor)
    if len(objects) == 2 and rng.random() < 0.5:
        text = f"{_describe(anchor)} {_INVERSE[rel]} {_describe(objects[1])}"
    else:
        text = f"{_describe(objects[1])} {rel} {_describe(anchor)}"
    if len(objects) == 3:
        text += f" and {_describe(objects[2])} {relation(objects[2], anchor)} it"
    return text + "."


def render(rng, objects, image_size):
    """uint8 [H, W, 3]: textured background, the objects with jittered colours, then pixel noise."""
    canvas = drawing.background(rng, image_size)
    for obj in objects:
        colour = np.clip(np.array(COLOURS[obj["colour"]]) + rng.uniform(-20, 20, size=3), 0, 255)
        alpha = drawing.coverage(obj["shape"], image_size, obj["x"], obj["y"], obj["size"])
        drawing.composite(canvas, alpha, colour)
    canvas += rng.normal(0, rng.uniform(1, 8), size=canvas.shape)
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)


def label(objects):
    """Class id of the largest object: index of "<colour> <shape>" in CLASS_NAMES."""
    return CLASS_NAMES.index(f"{objects[0]['colour']} {objects[0]['shape']}")


def scenes(seed, count, image_size=32):
    """Yield `count` scenes {"image": uint8 [H, W, 3], "label": int, "caption": str}, same for a seed."""
    for name, value, low in (("seed", seed, None), ("count", count, 0), ("image_size", image_size, 16)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or (low is not None and value < low):
            floor = "" if low is None else f" of at least {low}"
            raise UserError(f"scenes: {name} must be an integer{floor}, got {value!r}")
    rng = np.random.default_rng(seed)
    for _ in range(count):
        objects = layout(rng, image_size)
        yield {"image": render(rng, objects, image_size), "label": label(objects),
               "caption": caption(rng, objects)}
