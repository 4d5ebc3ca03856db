"""The state guard probes the updated model before a save with one compiled forward/backward per kind of
problem (the model's step_key), as the training steps: a probe is a whole step's graph to build."""
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf

from t2t_mm.spec import ProblemSpec
from t2t_mm.training import optimizer as optimizer_lib
from t2t_mm.training.guard import StateGuard


class KindModel(keras.Model):
    """Token logits from an embedding; problems 'en' and 'de' are one kind, as two translation directions."""

    def __init__(self):
        super().__init__()
        self.embed = keras.layers.Embedding(8, 4)
        self.out = keras.layers.Dense(8)

    def step_key(self, problem):
        return "text"

    def call(self, features, problem=None, training=False):
        return self.out(self.embed(features["inputs"]))


def _text(length):
    ids = np.arange(1, length + 1, dtype=np.int64)[None] % 7 + 1
    return {"inputs": tf.constant(ids), "targets": tf.constant(ids)}


def test_problems_of_one_kind_share_one_compiled_probe_whatever_their_lengths():
    model, probes = KindModel(), {"en": _text(3), "de": _text(5)}
    for name, batch in probes.items():
        model(batch, problem=name)
    adam = optimizer_lib.Adam()
    adam.build(model.trainable_variables)
    signature = {"inputs": tf.TensorSpec([None, None], tf.int64), "targets": tf.TensorSpec([None, None], tf.int64)}
    specs = {name: ProblemSpec(name, "symbol", "symbol", 1, vocab_size=8) for name in probes}
    guard = StateGuard(model, adam, tf.distribute.get_strategy(), specs, SimpleNamespace(label_smoothing=0.0), probes,
                       {name: signature for name in probes})
    assert guard.problem_with_state("en") is None and guard.problem_with_state("de") is None
    assert list(guard._fns) == ["text"] and guard._fns["text"].experimental_get_tracing_count() == 1
    model.out.kernel.assign(tf.fill(model.out.kernel.shape, float("nan")))
    assert "holds NaN/Inf" in guard.problem_with_state("de")
