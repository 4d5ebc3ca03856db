"""Layer normalization over a whole feature map, for the modality nets (image, audio, class exit).

Ba et al. (2016) normalize over all the hidden units of a layer; for a convolution that is every
position and channel of an example's map, with a learned scale and shift per channel. Normalizing
each position over its few channels instead (keras LayerNormalization(axis=-1), right for the token
sequences of the shared body) throws away how strongly a position responds relative to the others:
on the mini suite's shapes a plain net of ReLU -> separable conv -> per-position LN reached 0.53
dev accuracy in 750 steps, the same net with map-wide LN 0.89 (a plain ReLU CNN: 0.90).

With a padding mask ([B, T] or [B, H, W], 1 = real) the moments come from real positions only and
padded outputs are zeroed, so padding an example never changes its real positions. Moments are
float32 under mixed precision.
"""
import keras
from keras import ops


@keras.saving.register_keras_serializable("t2t_mm")
class MapLayerNorm(keras.layers.Layer):
    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x, padding_mask=None):
        axes = tuple(range(1, len(x.shape)))
        h = ops.cast(x, "float32")
        if padding_mask is None:
            mean = ops.mean(h, axis=axes, keepdims=True)
            variance = ops.mean(ops.square(h - mean), axis=axes, keepdims=True)
            weights = None
        else:
            weights = ops.expand_dims(ops.cast(padding_mask, "float32"), -1)
            count = ops.maximum(ops.sum(weights, axis=axes, keepdims=True) * h.shape[-1], 1.0)
            mean = ops.sum(h * weights, axis=axes, keepdims=True) / count
            variance = ops.sum(ops.square(h - mean) * weights, axis=axes, keepdims=True) / count
        h = (h - mean) * ops.rsqrt(variance + self.epsilon) * ops.cast(self.gamma, "float32") \
            + ops.cast(self.beta, "float32")
        if weights is not None:
            h = h * weights
        return ops.cast(h, x.dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
