"""The sparsely-gated MoE against hand computations of Shazeer et al. 2017's formulas."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from t2t_mm.errors import UserError
from t2t_mm.layers.moe import SparseMoE, cv_squared
from t2t_mm.layers.moe_routing import expert_capacity


def _layer(d=6, experts=4, k=2, hidden=5, capacity_factor=100.0, seed=0, **kwargs):
    layer = SparseMoE(experts, k, hidden, capacity_factor=capacity_factor, loss_coef=1.0, **kwargs)
    layer.build((None, d))
    rng = np.random.RandomState(seed)
    layer.w_gate.assign(rng.randn(d, experts).astype(np.float32))
    layer.w_noise.assign(rng.randn(d, experts).astype(np.float32))
    for w in (layer.w_in, layer.b_in, layer.w_out, layer.b_out):
        w.assign(rng.randn(*w.shape).astype(np.float32) * 0.5)
    return layer


def _experts_np(layer, x):
    """[E, N, d]: every expert applied to every token, in numpy."""
    w_in, b_in, w_out, b_out = (v.numpy() for v in (layer.w_in, layer.b_in, layer.w_out, layer.b_out))
    hidden = np.maximum(np.einsum("nd,edh->enh", x, w_in) + b_in[:, None], 0)
    return np.einsum("enh,ehd->end", hidden, w_out) + b_out[:, None]


def _softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def test_noise_off_equals_hand_sum_over_top_k_experts():
    layer = _layer()
    x = np.random.RandomState(1).randn(9, 6).astype(np.float32)
    out = layer(x, training=False).numpy()
    logits = x @ layer.w_gate.numpy()
    every = _experts_np(layer, x)
    expected = np.zeros_like(x)
    for n in range(len(x)):
        top = np.argsort(-logits[n])[:2]
        gates = _softmax(logits[n, top])
        expected[n] = sum(g * every[e, n] for g, e in zip(gates, top))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert float(layer.dropped_fraction.numpy()) == 0.0


def test_gates_sum_to_one_and_are_k_sparse():
    layer = _layer(experts=6, k=3)
    x = tf.constant(np.random.RandomState(2).randn(20, 6), tf.float32)
    gates, experts, importance, _ = layer.gate(x, tf.ones([20]), training=True)
    np.testing.assert_allclose(gates.numpy().sum(axis=1), 1.0, rtol=1e-5)
    dense = np.zeros((20, 6))
    np.put_along_axis(dense, experts.numpy(), gates.numpy(), axis=1)
    assert ((dense > 0).sum(axis=1) == 3).all()
    np.testing.assert_allclose(importance.numpy(), dense.sum(axis=0), rtol=1e-5)


def test_losses_match_the_formulas_on_a_hand_made_example():
    layer = _layer(experts=4, k=2, noise_epsilon=0.0, seed=3)
    x = np.random.RandomState(4).randn(5, 6).astype(np.float32)
    noise = np.random.RandomState(5).randn(5, 4).astype(np.float32)
    gates, experts, importance, load = layer.gate(tf.constant(x), tf.ones([5]), training=True,
                                                  noise=tf.constant(noise))
    clean = x @ layer.w_gate.numpy()
    std = np.log1p(np.exp(x @ layer.w_noise.numpy()))               # Softplus
    noisy = clean + noise * std
    phi = np.vectorize(lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2))))
    want_importance, want_load = np.zeros(4), np.zeros(4)
    for n in range(5):
        top = np.argsort(-noisy[n])[:2]
        want_importance[top] += _softmax(noisy[n, top])
        for i in range(4):
            others = np.sort(np.delete(noisy[n], i))[::-1]
            kth_excluding = others[1]                               # k-th largest among the others
            want_load[i] += phi((clean[n, i] - kth_excluding) / std[n, i])
    np.testing.assert_allclose(importance.numpy(), want_importance, rtol=1e-5)
    np.testing.assert_allclose(load.numpy(), want_load, rtol=1e-4, atol=1e-6)

    def cv2(v):
        return v.var() / v.mean() ** 2

    np.testing.assert_allclose(cv_squared(tf.constant(want_load)).numpy(), cv2(want_load), rtol=1e-5)
    layer(x, training=True)
    assert len(layer.losses) == 1 and float(layer.losses[0]) >= 0.0


def test_noise_off_load_counts_tokens_and_padding_is_excluded():
    layer = _layer()
    x = np.random.RandomState(6).randn(2, 5, 6).astype(np.float32)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], np.float32)
    out = layer(x, mask, training=False).numpy()
    np.testing.assert_array_equal(out[1, 2:], 0.0)                  # padding routed nowhere
    _, experts, importance, load = layer.gate(tf.constant(x.reshape(10, 6)), tf.constant(mask.ravel()))
    assert float(tf.reduce_sum(load)) == 7 * 2                      # 7 real tokens, 2 choices each
    np.testing.assert_allclose(float(tf.reduce_sum(importance)), 7.0, rtol=1e-5)
    np.testing.assert_allclose(layer.expert_load.numpy().sum(), 1.0, rtol=1e-5)


def test_dropped_tokens_are_counted_when_capacity_is_small():
    layer = _layer(d=4, experts=2, k=1, capacity_factor=0.5)
    layer.w_gate.assign(np.array([[5.0, -5.0]] * 4, np.float32))   # every token prefers expert 0
    x = np.abs(np.random.RandomState(7).randn(8, 4)).astype(np.float32) + 0.1
    out = layer(x, training=False).numpy()
    assert expert_capacity(8, 2, 1, 0.5) == 2
    np.testing.assert_allclose(float(layer.dropped_fraction.numpy()), 6 / 8)
    np.testing.assert_array_equal(out[2:], 0.0)                     # later tokens lost their slot
    assert np.abs(out[:2]).sum() > 0


def test_capacity_is_proportional_to_k_not_experts():
    assert expert_capacity(2048, 60, 4, 1.25) == math.ceil(1.25 * 4 * 2048 / 60)
    assert expert_capacity(10, 2, 2, 4.0) == 10                     # never more than the tokens


def test_jit_compiled_forward_matches_eager_and_gradients_reach_the_gates():
    layer = _layer()
    x = tf.constant(np.random.RandomState(8).randn(3, 4, 6), tf.float32)
    eager = layer(x, training=False)
    compiled = tf.function(lambda t: layer(t, training=False), jit_compile=True)(x)
    np.testing.assert_allclose(compiled.numpy(), eager.numpy(), rtol=1e-4, atol=1e-5)
    train_step = tf.function(lambda t: layer(t, training=True), jit_compile=True)
    assert train_step(x).shape == x.shape
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) ** 2) + tf.add_n(layer.losses)
    grads = tape.gradient(loss, [layer.w_gate, layer.w_noise, layer.w_in])
    assert all(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)


def test_gating_stays_float32_under_mixed_precision():
    layer = SparseMoE(4, 2, 8, dtype="mixed_float16")
    x = tf.random.normal([6, 8], dtype=tf.float16)
    out = layer(x, training=True)
    assert out.dtype == tf.float16 and layer.w_gate.dtype == "float32"
    gates, _, _, _ = layer.gate(x, tf.ones([6]), training=True)
    assert gates.dtype == tf.float32


def test_config_round_trip_and_bad_k():
    layer = SparseMoE(8, 2, 16, capacity_factor=1.5, eval_capacity_factor=3.0, name="m")
    clone = SparseMoE.from_config(layer.get_config())
    assert (clone.num_experts, clone.k, clone.capacity_factor, clone.eval_capacity_factor) == (8, 2, 1.5, 3.0)
    with pytest.raises(UserError, match="moe_k"):
        SparseMoE(4, 5, 8)
    assert keras.saving.get_registered_object("t2t_mm>SparseMoE") is SparseMoE


def test_gradients_match_a_dense_reference_of_the_same_mixture():
    """The custom gather gradients equal autodiff through 'every expert on every token' (no drops)."""
    layer = _layer(d=6, experts=4, k=2, hidden=5)
    x = tf.constant(np.random.RandomState(9).randn(7, 6), tf.float32)
    weights = [layer.w_gate, layer.w_in, layer.b_in, layer.w_out, layer.b_out]

    def dense_reference(inputs):
        gates, experts, _, _ = layer.gate(inputs, tf.ones([7]))
        dense_gates = tf.reduce_sum(tf.one_hot(experts, 4) * gates[:, :, None], axis=1)      # [N, E]
        hidden = tf.nn.relu(tf.einsum("nd,edh->enh", inputs, layer.w_in) + layer.b_in[:, None])
        every = tf.einsum("enh,ehd->end", hidden, layer.w_out) + layer.b_out[:, None]
        return tf.einsum("ne,end->nd", dense_gates, every)

    target = tf.constant(np.random.RandomState(10).randn(7, 6), tf.float32)
    grads = []
    for fn in (lambda t: layer(t, training=False), dense_reference):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) * target)
        grads.append(tape.gradient(loss, [x] + weights))
    for sparse, dense in zip(*grads):
        np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-4, atol=1e-5)


def test_positions_in_expert_are_arrival_ranks():
    from t2t_mm.layers.moe_routing import positions_in_expert
    rng = np.random.RandomState(11)
    keys = rng.randint(0, 5, 40).astype(np.int32)
    position, counts = positions_in_expert(tf.constant(keys), 5)
    seen = np.zeros(5, int)
    for i, key in enumerate(keys):
        assert position.numpy()[i] == seen[key]
        seen[key] += 1
    np.testing.assert_array_equal(counts.numpy(), seen)
