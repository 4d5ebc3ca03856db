"""A small real keras.Model with the MultiModel interface (encode/decode/call, docs/CONTRACTS.md), so
restore, export and mm-decoder are tested on real variables before and besides the real model. It is
causal like the real one: decode position t sees the command token, the inputs and targets[:, :t]."""
import keras
import tensorflow as tf

from t2t_mm import registry


@registry.register_model("decoding_test_model")
class TinyDecodingModel(keras.Model):
    def __init__(self, hparams, specs, **kwargs):
        super().__init__(**kwargs)
        self.specs = {s.name: s for s in specs}
        hidden = 16
        vocab = max([s.vocab_size for s in specs] + [8])
        classes = max([s.num_classes for s in specs] + [2])
        self.token_embedding = keras.layers.Embedding(vocab, hidden, name="tokens")
        self.space_embedding = keras.layers.Embedding(hparams.max_target_spaces, hidden, name="spaces")
        self.image_net = keras.layers.Dense(hidden, name="image_net")   # one net per input domain,
        self.audio_net = keras.layers.Dense(hidden, name="audio_net")   # as MultiModel's modality nets
        self.mix = keras.layers.Dense(hidden, activation="tanh", name="mix")
        self.text_out = keras.layers.Dense(vocab, name="text_out")
        self.class_out = keras.layers.Dense(classes, name="class_out")

    def build(self, input_shape=None):   # sublayers build on first use
        self.built = True

    def encode(self, features, problem, training=False):
        inputs = features["inputs"]
        if self.specs[problem].input_modality == "symbol":
            mask = tf.cast(tf.not_equal(inputs, 0), tf.float32)[..., None]
            body = tf.reduce_sum(self.token_embedding(inputs) * mask, 1) / tf.maximum(
                tf.reduce_sum(mask, 1), 1.0)
        else:  # image [B, S, S, 3] or audio [B, samples]: a few pooled statistics
            flat = tf.reshape(tf.cast(inputs, tf.float32), [tf.shape(inputs)[0], -1])
            stats = tf.stack([tf.reduce_mean(flat, 1), tf.reduce_mean(tf.abs(flat), 1),
                              tf.reduce_max(flat, 1)], axis=1)
            net = self.audio_net if len(inputs.shape) == 2 else self.image_net
            body = net(stats)
        return {"context": body + self.space_embedding(features["target_space_id"])}

    def decode(self, encoded, targets, problem, training=False):
        previous = tf.pad(targets[:, :-1], [[0, 0], [1, 0]])
        position = tf.cast(tf.range(tf.shape(targets)[1]), tf.float32)[None, :, None] * 0.1
        hidden = self.mix(self.token_embedding(previous) + encoded["context"][:, None, :] + position)
        return self.text_out(hidden)

    def call(self, features, problem, training=False):
        encoded = self.encode(features, problem, training)
        if self.specs[problem].text_targets:
            return self.decode(encoded, features["targets"], problem, training)
        return self.class_out(encoded["context"])
