"""ConvStep/ConvBlock, timing signal and attention: shapes, causality, masking, configs."""
import math

import numpy as np
import pytest
import tensorflow as tf

from t2t_mm.errors import UserError
from t2t_mm.layers import AttentionBlock, ConvBlock, ConvStep, MultiHeadAttention, timing_signal
from t2t_mm.layers.conv_res import ConvRes


def _x(*shape, seed=0):
    return tf.constant(np.random.RandomState(seed).randn(*shape), tf.float32)


def test_conv_step_shapes_strides_and_2d():
    assert ConvStep(8, 3, strides=2)(_x(2, 9, 4)).shape == (2, 5, 8)
    assert ConvStep(8, 3, dilation=4)(_x(2, 9, 4)).shape == (2, 9, 8)
    assert ConvStep(8, 3, rank=2, strides=(2, 1))(_x(2, 8, 6, 3)).shape == (2, 4, 6, 8)
    with pytest.raises(UserError, match="causal"):
        ConvStep(8, 3, rank=2, padding="causal")


def test_conv_step_output_is_layer_normalized():
    out = ConvStep(16, 3)(_x(2, 7, 16)).numpy()
    np.testing.assert_allclose(out.mean(-1), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(-1), 1.0, atol=1e-2)



def test_position_norm_is_keras_layer_norm_with_its_gradient():
    """The body's per-position norm (fewer traced ops than keras'): the same values, the same gradients,
    the same weight names (checkpoints carry over), float32 moments under mixed precision."""
    import keras
    from t2t_mm.layers.position_norm import PositionLayerNorm
    x, upstream = _x(3, 7, 8, seed=1) * 3.0 + 1.0, _x(3, 7, 8, seed=2)
    ours, theirs = PositionLayerNorm(epsilon=1e-6), keras.layers.LayerNormalization(epsilon=1e-6)
    for norm in (ours, theirs):
        norm.build(x.shape)
        norm.gamma.assign(np.linspace(0.5, 2.0, 8))
        norm.beta.assign(np.linspace(-1.0, 1.0, 8))
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights] == ["gamma", "beta"]
    results = []
    for norm in (ours, theirs):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = norm(x)
            loss = tf.reduce_sum(out * upstream)
        results.append([out.numpy()] + [g.numpy() for g in tape.gradient(loss, [x, norm.gamma, norm.beta])])
    for mine, reference in zip(*results):
        np.testing.assert_allclose(mine, reference, atol=1e-4)
    out = PositionLayerNorm(epsilon=1e-6, dtype="mixed_bfloat16")(tf.cast(x, tf.bfloat16))
    assert out.dtype == tf.bfloat16
    np.testing.assert_allclose(out.numpy().astype(np.float32).mean(-1), 0.0, atol=0.05)

def test_map_norm_spans_the_whole_map_and_ignores_padding():
    """norm='map' (the modality nets): moments over every real position and channel of an example, so a
    position keeps its strength relative to the others, and padding never moves the real positions."""
    step = ConvStep(8, 3, rank=2, norm="map")
    out = step(_x(2, 6, 5, 3)).numpy()
    np.testing.assert_allclose(out.reshape(2, -1).mean(-1), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.reshape(2, -1).std(-1), 1.0, atol=1e-2)
    assert np.abs(out.std(-1) - 1.0).max() > 0.1          # not normalized position by position
    x = _x(1, 6, 5, 3)
    padded = tf.concat([x, 7.0 * tf.ones([1, 4, 5, 3])], axis=1)
    mask = tf.concat([tf.ones([1, 6, 5]), tf.zeros([1, 4, 5])], axis=1)
    np.testing.assert_allclose(step(padded, mask).numpy()[:, :6], step(x, tf.ones([1, 6, 5])).numpy(), atol=1e-5)
    assert np.all(step(padded, mask).numpy()[:, 6:] == 0)
    with pytest.raises(UserError, match="causal"):
        ConvStep(8, 3, padding="causal", norm="map")


@pytest.mark.parametrize("masked", [False, True])
def test_map_norm_hand_written_gradient_matches_autodiff(masked):
    """MapLayerNorm's gradient is written out (fewer passes over the map): it must be the formula's."""
    from t2t_mm.layers.map_norm import MapLayerNorm
    x, upstream = _x(3, 7, 5, 4, seed=1), _x(3, 7, 5, 4, seed=2)
    mask = tf.constant(np.arange(7)[None, :, None] < np.array([7, 4, 1])[:, None, None], tf.float32) \
        * tf.ones([3, 7, 5]) if masked else None
    norm = MapLayerNorm()
    norm.build(x.shape)
    norm.gamma.assign(np.linspace(0.5, 2.0, 4))
    norm.beta.assign(np.linspace(-1.0, 1.0, 4))

    def reference(x):
        w = tf.ones_like(x[..., :1]) if mask is None else mask[..., None]
        count = tf.reduce_sum(w * tf.ones_like(x), [1, 2, 3], keepdims=True)
        mean = tf.reduce_sum(x * w, [1, 2, 3], keepdims=True) / count
        var = tf.reduce_sum(tf.square(x - mean) * w, [1, 2, 3], keepdims=True) / count
        return ((x - mean) * tf.math.rsqrt(var + norm.epsilon) * norm.gamma + norm.beta) * w

    grads = []
    for fn in (lambda x: norm(x, padding_mask=mask), reference):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) * upstream)
        grads.append([g.numpy() for g in tape.gradient(loss, [x, norm.gamma, norm.beta])])
    np.testing.assert_allclose(norm(x, padding_mask=mask).numpy(), reference(x).numpy(), atol=1e-5)
    for ours, expected in zip(*grads):
        np.testing.assert_allclose(ours, expected, atol=1e-4)


def _prefix_unchanged_after_editing(layer, t, x):
    edited = x.numpy().copy()
    edited[:, t + 1:] += 5.0
    a, b = layer(x).numpy(), layer(tf.constant(edited)).numpy()
    return np.allclose(a[:, :t + 1], b[:, :t + 1], atol=1e-5), np.allclose(a[:, t + 1:], b[:, t + 1:])


def test_causal_conv_block_never_sees_the_future():
    block = ConvBlock(8, [3, 3, 5, 5], [1, 1, 1, 2], padding="causal")
    prefix_same, suffix_same = _prefix_unchanged_after_editing(block, 4, _x(2, 10, 8))
    assert prefix_same and not suffix_same
    same_block = ConvBlock(8, [3, 3, 5, 5], [1, 1, 1, 2], padding="same")
    assert not _prefix_unchanged_after_editing(same_block, 4, _x(2, 10, 8))[0]


def test_conv_block_padding_mask_keeps_pads_out_of_real_positions():
    block = ConvBlock(8, [3, 3, 5, 5], [1, 1, 1, 2])
    x = _x(1, 6, 8).numpy()
    mask = tf.constant([[1, 1, 1, 1, 0, 0]], tf.float32)
    edited = x.copy()
    edited[:, 4:] = 100.0
    a = block(tf.constant(x), mask).numpy()
    b = block(tf.constant(edited), mask).numpy()
    np.testing.assert_allclose(a[:, :4], b[:, :4], atol=1e-5)


def test_conv_block_needs_four_steps_and_round_trips_config():
    with pytest.raises(UserError, match="conv_kernel_sizes"):
        ConvBlock(8, [3, 3], [1, 1])
    block = ConvBlock(8, [3, 3, 15, 15], [1, 1, 1, 8], padding="causal", dropout=0.2)
    clone = ConvBlock.from_config(block.get_config())
    assert (clone.kernel_sizes, clone.dilations, clone.padding, clone.dropout_rate) == \
        ([3, 3, 15, 15], [1, 1, 1, 8], "causal", 0.2)


def test_timing_signal_matches_the_formula():
    signal = timing_signal(5, 8).numpy()
    for t in range(5):
        for d in range(4):
            rate = 1e4 ** (-2 * d / 8)
            assert signal[t, d] == pytest.approx(math.sin(t * rate), abs=1e-5)
            assert signal[t, 4 + d] == pytest.approx(math.cos(t * rate), abs=1e-5)


def test_attention_ignores_padded_keys_and_respects_causality():
    mha = MultiHeadAttention(8, 2)
    q, kv = _x(1, 3, 8), _x(1, 5, 8, seed=1).numpy()
    mask = tf.constant([[1, 1, 1, 0, 0]], tf.float32)
    edited = kv.copy()
    edited[:, 3:] = 50.0
    a = mha(q, tf.constant(kv), tf.constant(kv), mask)
    b = mha(q, tf.constant(edited), tf.constant(edited), mask)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    with pytest.raises(UserError, match="num_heads"):
        MultiHeadAttention(10, 4)


def test_causal_attention_block_shapes_and_causality():
    block = AttentionBlock(8, 2, [3, 3, 5, 5], [1, 1, 1, 2], causal=True)
    source, source_mask = _x(2, 4, 8, seed=3), tf.ones([2, 4])

    class Wrapped:
        def __call__(self, x):
            return block(x, source, source_mask)

    out = block(_x(2, 6, 8), source, source_mask)
    assert out.shape == (2, 6, 8)
    prefix_same, suffix_same = _prefix_unchanged_after_editing(Wrapped(), 2, _x(2, 6, 8))
    assert prefix_same and not suffix_same


def test_conv_res_halves_the_chosen_axes():
    assert ConvRes(4, rank=1)(_x(2, 9, 1)).shape == (2, 5, 4)
    assert ConvRes(4, rank=2, strides=(2, 1))(_x(2, 8, 5, 1)).shape == (2, 4, 5, 4)
    assert ConvRes(4, rank=2)(_x(2, 8, 6, 3)).shape == (2, 4, 3, 4)


@pytest.mark.parametrize("shape,strides", [((2, 9, 3), (2,)), ((2, 8, 5, 3), (2, 1)), ((2, 7, 6, 3), (3, 2)),
                                           ((2, 9), (2,)), ((1, 5, 5), (1, 3))])
def test_subsample_keeps_every_nth_position_and_its_gradient(shape, strides):
    """subsample's pad-reshape-slice is x[:, ::s0, ::s1] (values, static shape, gradient), under a trace too."""
    from t2t_mm.layers.conv import subsample
    x = tf.constant(np.random.default_rng(0).normal(size=shape), tf.float32)
    index = (slice(None),) + tuple(slice(None, None, s) for s in strides)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ours, reference = subsample(x, strides), x[index]
        weights = tf.random.stateless_normal(tf.shape(reference), [1, 2])
        ours_loss, reference_loss = tf.reduce_sum(ours * weights), tf.reduce_sum(reference * weights)
    np.testing.assert_array_equal(ours.numpy(), reference.numpy())
    assert ours.shape == reference.shape
    np.testing.assert_array_equal(tape.gradient(ours_loss, x).numpy(), tape.gradient(reference_loss, x).numpy())
    free = [None] * len(shape)
    traced = tf.function(lambda t: subsample(t, strides), input_signature=[tf.TensorSpec(free, tf.float32)])
    np.testing.assert_array_equal(traced(x).numpy(), reference.numpy())
