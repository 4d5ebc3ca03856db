"""The state guard probes the updated model before a save eagerly: no compiled function per kind of
problem stays behind (each would hold a whole step's graph for the rest of the run)."""
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf

from t2t_mm.spec import ProblemSpec
from t2t_mm.training import optimizer as optimizer_lib
from t2t_mm.training.guard import StateGuard


class KindModel(keras.Model):
    """Token logits from an embedding; records whether each call ran eagerly."""

    def __init__(self):
        super().__init__()
        self.embed = keras.layers.Embedding(8, 4)
        self.out = keras.layers.Dense(8)
        self.eager_calls = []

    def call(self, features, problem=None, training=False):
        self.eager_calls.append(tf.executing_eagerly())
        return self.out(self.embed(features["inputs"]))


def _text(length):
    ids = np.arange(1, length + 1, dtype=np.int64)[None] % 7 + 1
    return {"inputs": tf.constant(ids), "targets": tf.constant(ids)}


def _guard():
    model, probes = KindModel(), {"en": _text(3), "de": _text(5)}
    for name, batch in probes.items():
        model(batch, problem=name)
    adam = optimizer_lib.Adam()
    adam.build(model.trainable_variables)
    specs = {name: ProblemSpec(name, "symbol", "symbol", 1, vocab_size=8) for name in probes}
    return model, StateGuard(model, adam, tf.distribute.get_strategy(), specs,
                             SimpleNamespace(label_smoothing=0.0), probes)


def test_the_probe_runs_eagerly_and_gives_the_held_batchs_loss_and_gradient_norm():
    model, guard = _guard()
    model.eager_calls.clear()
    loss, norm = guard.probe("de")
    assert model.eager_calls == [True]
    batch = guard.probes["de"]
    with tf.GradientTape() as tape:
        logits = model(batch)
        expected = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(batch["targets"], logits,
                                                                                from_logits=True))
    expected_norm = tf.linalg.global_norm(tape.gradient(expected, model.trainable_variables))
    np.testing.assert_allclose([loss, norm], [float(expected), float(expected_norm)], rtol=1e-5)
    assert guard.problem_with_state("en") is None


def test_exploded_weights_and_nan_variables_are_named():
    model, guard = _guard()
    model.out.kernel.assign(tf.fill(model.out.kernel.shape, 1e30))   # finite, but its gradients are not
    assert guard.problem_with_state("en") == ("the updated model's gradient norm on a en batch is inf "
                                              "(the weights exploded)")
    model.out.kernel.assign(tf.fill(model.out.kernel.shape, float("nan")))
    assert "holds NaN/Inf" in guard.problem_with_state("de")
