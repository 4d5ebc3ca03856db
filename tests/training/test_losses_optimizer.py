"""Label-smoothed losses against hand computation, and the Adam that leaves untouched variables alone."""
import numpy as np
import pytest
import tensorflow as tf

from t2t_mm.spec import ProblemSpec
from t2t_mm.training import losses, optimizer


def test_smoothed_text_loss_masks_padding_and_smooths():
    logits = np.random.default_rng(0).normal(size=[2, 3, 5]).astype(np.float32)
    targets = np.array([[3, 1, 0], [2, 4, 1]], np.int32)
    spec = ProblemSpec("t", "symbol", "symbol", 0, vocab_size=5)
    eps = 0.1
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = 0.0
    for b in range(2):
        for t in range(3):
            if targets[b, t]:
                q = np.full(5, eps / 5)
                q[targets[b, t]] += 1 - eps
                expected += -(q * log_p[b, t]).sum()
    assert float(losses.loss_sum(spec, logits, targets, eps)) == pytest.approx(expected, rel=1e-5)
    assert float(tf.reduce_sum(losses.loss_weights(spec, targets))) == 5


@pytest.mark.parametrize("shape", [[4], [2, 3]])
def test_smoothed_loss_gradient_is_softmax_minus_the_smoothed_target(shape):
    """The loss and its gradient are the textbook ones: -sum q log p, and softmax - q."""
    rng = np.random.default_rng(1)
    logits = tf.constant(rng.normal(size=shape + [7]).astype(np.float32))
    labels = rng.integers(0, 7, size=shape).astype(np.int32)
    eps = 0.2
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_sum(losses.smoothed_cross_entropy(logits, labels, eps))
    q = np.full(shape + [7], eps / 7, np.float32)
    np.put_along_axis(q, labels[..., None], 1 - eps + eps / 7, axis=-1)
    expected = tf.nn.softmax(logits).numpy() - q
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), expected, atol=1e-6)
    textbook = -(q * tf.nn.log_softmax(logits).numpy()).sum(-1)
    np.testing.assert_allclose(losses.smoothed_cross_entropy(logits, labels, eps).numpy(), textbook, rtol=1e-5)


@pytest.mark.parametrize("eps", [0.0, 0.1])
def test_loss_stays_exact_where_the_labels_probability_underflows(eps):
    """logsumexp comes from the softmax's largest probability (>= 1/V), not the label's (here exp(-400))."""
    logits = tf.constant([[0.0, 200.0, -200.0], [1.0, 2.0, 3.0]])
    labels = np.array([2, 0], np.int32)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = losses.smoothed_cross_entropy(logits, labels, eps)
        total = tf.reduce_sum(loss)
    q = np.full([2, 3], eps / 3, np.float32)
    q[[0, 1], labels] += 1 - eps
    expected = -(q * tf.nn.log_softmax(logits).numpy()).sum(-1)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)
    assert np.isfinite(loss.numpy()).all() and loss.numpy()[0] > 300
    np.testing.assert_allclose(tape.gradient(total, logits).numpy(),
                               tf.nn.softmax(logits).numpy() - q, atol=1e-6)


def test_class_loss_counts_every_example():
    spec = ProblemSpec("c", "image", "class_label", 1, num_classes=3)
    logits = np.zeros([4, 3], np.float32)
    assert float(losses.loss_sum(spec, logits, np.array([0, 1, 2, 0]), 0.0)) == pytest.approx(4 * np.log(3))


def _numpy_adam(var, grads, lr, b1, b2, eps):
    m = v = np.zeros_like(var)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        var = var - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return var, m, v


def test_adam_matches_the_formula_and_skips_none_gradients():
    used = tf.Variable([1.0, -2.0, 3.0])
    unused = tf.Variable([5.0, 6.0])
    adam = optimizer.Adam(0.9, 0.99, 1e-6, clip_norm=0.0)
    adam.build([used, unused])
    grads = [np.array([0.1, -0.3, 0.2], np.float32), np.array([0.5, 0.5, -0.1], np.float32)]
    for g in grads:
        adam.apply_gradients([tf.constant(g), None], [used, unused], 0.01)
    var, m, v = _numpy_adam(np.array([1.0, -2.0, 3.0]), grads, 0.01, 0.9, 0.99, 1e-6)
    np.testing.assert_allclose(used.numpy(), var, rtol=1e-5)
    np.testing.assert_allclose(adam.slots(used)[0].numpy(), m, rtol=1e-5)
    np.testing.assert_allclose(adam.slots(used)[1].numpy(), v, rtol=1e-5)
    np.testing.assert_array_equal(unused.numpy(), [5.0, 6.0])
    assert not adam.slots(unused)[0].numpy().any() and not adam.slots(unused)[1].numpy().any()



def test_adam_corrects_each_variable_by_its_own_updates():
    """A net first updated late in a run (a problem drawn after the text-first steps) takes a first step
    of lr, not lr * sqrt(1 - b2^t) / (1 - b1^t) with the global t (up to 5x lr over its first updates)."""
    early, late = tf.Variable([0.0]), tf.Variable([0.0])
    adam = optimizer.Adam(0.9, 0.999, 1e-8)
    adam.build([early, late])
    for _ in range(1200):
        adam.apply_gradients([tf.constant([1.0]), None], [early, late], 0.01)
    adam.apply_gradients([None, tf.constant([1.0])], [early, late], 0.01)
    np.testing.assert_allclose(late.numpy(), [-0.01], rtol=1e-4)
    assert float(adam.update_count(early)) == 1200 and float(adam.update_count(late)) == 1


def test_update_counts_come_back_from_a_checkpoint_or_start_at_the_global_step(tmp_path):
    var = tf.Variable([1.0, 2.0])
    adam = optimizer.Adam()
    adam.build([var])
    for _ in range(3):
        adam.apply_gradients([tf.constant([0.1, 0.1])], [var], 0.01)
    path = tf.train.Checkpoint(adam=adam).save(str(tmp_path / "with"))
    restored = optimizer.Adam()
    restored.build([var], defer_counts=True)
    tf.train.Checkpoint(adam=restored).restore(path).assert_existing_objects_matched()
    assert float(restored.add_update_counts(global_step=500).update_count(var)) == 3
    old = optimizer.Adam()   # a run saved before the counts existed: moments only
    old.build([var], defer_counts=True)
    old_path = tf.train.Checkpoint(adam=old).save(str(tmp_path / "without"))
    again = optimizer.Adam()
    again.build([var], defer_counts=True)
    tf.train.Checkpoint(adam=again).restore(old_path).assert_existing_objects_matched()
    assert float(again.add_update_counts(global_step=500).update_count(var)) == 500


def test_update_counts_come_back_from_a_checkpoint_of_one_variable_per_count(tmp_path):
    """The layout this optimizer saved before its counts were one vector: optimizer/update_counts/<i>."""
    saved = tf.Module()
    saved.first_moments = [tf.Variable([0.5, 0.5]), tf.Variable([0.25])]
    saved.second_moments = [tf.Variable([0.1, 0.1]), tf.Variable([0.2])]
    saved.update_counts = [tf.Variable(7.0), tf.Variable(3.0)]
    path = tf.train.Checkpoint(optimizer=saved).save(str(tmp_path / "per_variable"))
    adam = optimizer.Adam()
    adam.build([tf.Variable([1.0, 2.0]), tf.Variable([3.0])], defer_counts=True)
    tf.train.Checkpoint(optimizer=adam).restore(path).assert_existing_objects_matched()
    adam.add_update_counts(global_step=500, restored_from=path)
    np.testing.assert_array_equal(adam.counts.numpy(), [7.0, 3.0])
    np.testing.assert_array_equal(adam.first_moments[1].numpy(), [0.25])


def test_adam_adds_a_few_ops_per_variable_to_the_traced_step():
    """Bias correction and clipping cost a handful of ops for all variables, not several per variable:
    a compiled step's build time and memory grow with its op count (docs/MODEL_DECISIONS.md §13)."""
    def traced_ops(count):
        variables = [tf.Variable(tf.ones([3])) for _ in range(count)]
        adam = optimizer.Adam(clip_norm=1.0)
        adam.build(variables)
        fn = tf.function(lambda: adam.apply_gradients([tf.ones([3])] * count, variables, 0.01),
                         autograph=False)
        return len(fn.get_concrete_function().graph.get_operations())

    per_variable = (traced_ops(40) - traced_ops(20)) / 20
    assert per_variable <= 6, per_variable

def test_adam_clips_by_global_norm_and_densifies_embedding_gradients():
    table = tf.Variable(tf.ones([6, 2]))
    adam = optimizer.Adam(0.0, 0.0, 1e-12, clip_norm=1.0)  # beta=0: the step is lr * sign-like g/|g|
    adam.build([table])
    sparse = tf.IndexedSlices(tf.constant([[30.0, 40.0]]), tf.constant([2]), tf.constant([6, 2]))
    norm = adam.apply_gradients([sparse], [table], 1.0)
    assert float(norm) == pytest.approx(50.0)
    np.testing.assert_allclose(adam.slots(table)[0].numpy()[2], [0.6, 0.8], rtol=1e-5)  # clipped to norm 1
    np.testing.assert_allclose(table.numpy()[[0, 1, 3, 4, 5]], 1.0)
