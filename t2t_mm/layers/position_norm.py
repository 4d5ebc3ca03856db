"""Layer normalization of each position over its channels: what keras' LayerNormalization(axis=-1)
computes, for the shared body's token sequences (every ConvStep of the encoder, mixer and decoder).

Why not keras': its forward and backward trace to about 90 ops, this (map_norm.normalize, whose
gradient is written out) to about a third of that, and a text step holds 44 of them: fewer ops is less
time tracing and optimizing each compiled step, and less memory for the compiled graphs. The weights
are the same two vectors under the same names (gamma, beta), so checkpoints carry over. Moments are
float32 under mixed precision.
"""
import keras
import tensorflow as tf

from t2t_mm.layers.map_norm import normalize


@keras.saving.register_keras_serializable("t2t_mm")
class PositionLayerNorm(keras.layers.Layer):
    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x):
        h = normalize(tf.cast(x, tf.float32), tf.cast(self.gamma, tf.float32),
                      tf.cast(self.beta, tf.float32), self.epsilon, [x.shape.rank - 1])
        return tf.cast(h, x.dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
