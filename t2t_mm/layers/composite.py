"""Base class of layers that only hold sublayers (no weights of their own), and the checkpoint fix
that lets tf.train.Checkpoint see sublayers kept in lists and dicts.

- Keras 3 builds a layer without its own build() by tracing call() symbolically, once per nesting
  level; for the MultiModel's deeply nested blocks that made the first call take >10 s on CPU. Here
  build() only marks the layer built: each sublayer builds itself, from real shapes, on first use.
- Keras 3 wraps list/dict attributes in its own TrackedList/TrackedDict, which TensorFlow's object
  graph does not follow: a tf.train.Checkpoint (what the trainer's CheckpointManager writes) silently
  skipped every block held in a list. collection_children() adds them as "<attr>.<key>" children.
"""
import keras
import tensorflow as tf


def collection_children(layer, children, save_type):
    """children + the trackables inside the layer's list/dict attributes (checkpoints only)."""
    if save_type != "checkpoint":
        return children
    for attr in getattr(layer, "_tracked", []):
        value = getattr(layer, attr, None)
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, (list, tuple)):
            items = enumerate(value)
        else:
            continue
        for key, item in items:
            if isinstance(item, tf.__internal__.tracking.Trackable):
                children.setdefault(f"{attr}.{key}", item)
    return children


class CompositeLayer(keras.layers.Layer):
    def build(self, input_shape=None):
        self.built = True

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        children = super()._trackable_children(save_type, **kwargs)
        return collection_children(self, children, save_type)
