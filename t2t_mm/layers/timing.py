"""Sinusoidal timing signal (Kaiser et al. 2017, Sec. 2.3): lets the attention block know positions.

timing(t, [2d, 2d+1]) = [sin(t * D(2d)) || cos(t * D(2d))] with D(2d) = 1e4^(-2d/depth): the sines
fill the first half of the channels and the cosines the second half (concatenation, as the paper's ||).
"""
import math

import keras
from keras import ops


def timing_signal(length, depth, dtype="float32"):
    """[length, depth] signal; depth must be even (odd depths get one zero channel at the end)."""
    half = depth // 2
    position = ops.cast(ops.arange(length), "float32")
    rates = ops.exp(ops.cast(ops.arange(half), "float32") * (-math.log(1e4) * 2.0 / max(depth, 1)))
    angles = ops.expand_dims(position, 1) * ops.expand_dims(rates, 0)
    signal = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=1)
    if depth % 2:
        signal = ops.pad(signal, [[0, 0], [0, 1]])
    return ops.cast(signal, dtype)


def timing_signal_at(position, depth, dtype="float32"):
    """Row `position` (a scalar, may be a tensor) of timing_signal(., depth): [depth], computed alone
    for incremental decoding, with the same float32 arithmetic."""
    half = depth // 2
    rates = ops.exp(ops.cast(ops.arange(half), "float32") * (-math.log(1e4) * 2.0 / max(depth, 1)))
    angles = ops.cast(position, "float32") * rates
    signal = ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=0)
    if depth % 2:
        signal = ops.pad(signal, [[0, 1]])
    return ops.cast(signal, dtype)


@keras.saving.register_keras_serializable("t2t_mm")
class AddTimingSignal(keras.layers.Layer):
    """x [B, T, C] + timing_signal(T, C)."""

    def call(self, x):
        return x + ops.expand_dims(timing_signal(ops.shape(x)[1], x.shape[-1], x.dtype), 0)
