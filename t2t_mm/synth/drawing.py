"""Anti-aliased shape rendering and textured backgrounds with numpy.

Shapes are drawn from signed distances (negative inside), so the edge pixel's coverage is its distance
to the outline clipped to [0, 1]: cheap anti-aliasing without supersampling. Every shape of size s has
the area of a circle of radius s, so "large" and "small" mean the same for all shapes.
"""
import numpy as np

SHAPES = ("circle", "square", "triangle", "diamond")
# How far each shape reaches from its centre, in units of its size (for placement without overlap).
REACH = {"circle": 1.0, "square": 0.886 * np.sqrt(2.0), "triangle": 1.555, "diamond": 1.253}

_TRIANGLE_NORMALS = np.array([[0.0, 1.0], [-np.sqrt(3) / 2, -0.5], [np.sqrt(3) / 2, -0.5]])


def signed_distance(shape, x, y, cx, cy, size):
    """Approximate signed distance in pixels from pixel centres (x, y) to the outline of a shape."""
    dx, dy = x - cx, y - cy
    if shape == "circle":
        return np.hypot(dx, dy) - size
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) - 0.886 * size
    if shape == "diamond":  # a square turned by 45 degrees, corners up/down/left/right
        return (np.abs(dx) + np.abs(dy) - 1.253 * size) / np.sqrt(2.0)
    if shape == "triangle":  # equilateral, apex up (image y grows downwards), circumradius 1.555 * size
        inradius = 1.555 * size / 2
        distances = [nx * dx + ny * dy - inradius for nx, ny in _TRIANGLE_NORMALS]
        return np.maximum(np.maximum(distances[0], distances[1]), distances[2])
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def coverage(shape, image_size, cx, cy, size):
    """Float [H, W] in [0, 1]: how much of each pixel the shape covers."""
    grid = np.arange(image_size, dtype=np.float64) + 0.5
    x, y = np.meshgrid(grid, grid)
    return np.clip(0.5 - signed_distance(shape, x, y, cx, cy, size), 0.0, 1.0)


def background(rng, image_size):
    """Float [H, W, 3] low-saturation grey with a tint, a gradient and a stripe or noise texture."""
    grey = rng.uniform(70, 190)
    tint = rng.uniform(-12, 12, size=3)
    grid = np.arange(image_size, dtype=np.float64) / image_size
    x, y = np.meshgrid(grid, grid)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * x + np.sin(angle) * y) * rng.uniform(-30, 30)
    if rng.random() < 0.5:
        frequency, phase = rng.uniform(2, 8), rng.uniform(0, 2 * np.pi)
        texture = np.sin(2 * np.pi * frequency * (np.cos(angle) * y - np.sin(angle) * x) + phase)
        texture *= rng.uniform(0, 12)
    else:
        texture = rng.normal(0, rng.uniform(0, 10), size=(image_size, image_size))
    plane = grey + ramp + texture
    return plane[:, :, None] + tint[None, None, :]


def composite(canvas, alpha, colour):
    """Paint a colour over a float canvas with per-pixel coverage alpha (in place)."""
    canvas *= 1.0 - alpha[:, :, None]
    canvas += alpha[:, :, None] * np.asarray(colour, dtype=np.float64)[None, None, :]
    return canvas
