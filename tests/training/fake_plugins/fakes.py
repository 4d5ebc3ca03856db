"""Small in-memory problems and a small model honouring docs/CONTRACTS.md, so the trainer's tests do not
depend on the data pipeline or the MultiModel. Loaded as a --usr_dir plugin (also by the CLI tests).

Problems: fake_text_copy (text -> text, targets = inputs, vocab 64), fake_text_copy_8k (vocab 8000),
fake_image_class (8x8 image -> one of 4 classes by its brightest quadrant), fake_text_nan (inputs carry
NaN logits from fake_multimodel: the NaN guard's test). Model: fake_multimodel.
"""
import keras
import numpy as np
import tensorflow as tf

from t2t_mm import registry
from t2t_mm.data import Problem
from t2t_mm.spec import ProblemSpec


class _FakeProblem(Problem):
    """In-memory batches instead of shards: spec() and dataset() of the Problem API, no codecs."""
    input_modality = "symbol"
    target_modality = "symbol"
    target_space_id = 0
    vocab_size = 64
    num_classes = 0
    eval_metrics = ("accuracy", "log_perplexity")
    train_size = 64
    batch_size = 8
    lengths = (6, 10)             # two static length buckets
    uses_vocab = False            # ids are made up: no shared vocabulary behind them
    stored = False                # batches are made in memory: mm-datagen has nothing to write

    def num_examples(self, split):
        return self.train_size if split == "train" else 16

    def spec(self, data_dir):
        return ProblemSpec(self.name, self.input_modality, self.target_modality, self.target_space_id,
                           self.vocab_size, self.num_classes)

    def _examples(self, rng, length, count):
        raise NotImplementedError

    def dataset(self, mode, data_dir, hparams, seed=None, shuffle=None, repeat=None, input_context=None):
        train = mode == "train"
        repeat = train if repeat is None else repeat
        seed = (hparams.seed if seed is None else seed) + (0 if train else 99)
        rng = np.random.default_rng(seed)
        batches = []
        count = self.train_size if train else 16
        for i in range(count // self.batch_size):
            features = self._examples(rng, self.lengths[i % len(self.lengths)], self.batch_size)
            features["target_space_id"] = np.full([self.batch_size], self.target_space_id, np.int32)
            batches.append(features)
        dataset = None  # one slice dataset per bucket shape, concatenated: static shapes per bucket
        for length in sorted(set(self.lengths)):
            same = [b for b in batches if b["inputs"].shape[1] == length]
            if not same:
                continue
            stacked = {k: np.stack([b[k] for b in same]) for k in same[0]}
            part = tf.data.Dataset.from_tensor_slices(stacked)  # elements: whole batches
            dataset = part if dataset is None else dataset.concatenate(part)
        if repeat:
            dataset = dataset.repeat()
        return dataset.prefetch(2)


class _TextProblem(_FakeProblem):
    def _examples(self, rng, length, count):
        ids = rng.integers(3, self.vocab_size, size=[count, length]).astype(np.int32)
        ids[:, -1] = 1  # EOS
        ids[: count // 2, -2:] = [1, 0]  # some padding
        return {"inputs": ids, "targets": ids.copy()}


@registry.register_problem
class FakeTextCopy(_TextProblem):
    pass


@registry.register_problem("fake_text_copy_8k")
class FakeTextCopy8k(_TextProblem):
    vocab_size = 8000


@registry.register_problem
class FakeTextNan(_TextProblem):
    """fake_multimodel's logits for this problem are NaN (log of -1): the NaN guard's test."""

    def _examples(self, rng, length, count):
        features = super()._examples(rng, length, count)
        features["inputs"][:, 0] = 2
        return features


@registry.register_problem
class FakeImageClass(_FakeProblem):
    input_modality = "image"
    target_modality = "class_label"
    target_space_id = 1
    vocab_size = 0
    num_classes = 4
    eval_metrics = ("accuracy", "accuracy_top5")
    lengths = (8,)

    def _examples(self, rng, size, count):
        labels = rng.integers(0, 4, size=[count]).astype(np.int32)
        images = rng.normal(size=[count, size, size, 3]).astype(np.float32)
        half = size // 2
        for i, label in enumerate(labels):
            r, c = divmod(int(label), 2)
            images[i, r * half:(r + 1) * half, c * half:(c + 1) * half] += 2.0
        return {"inputs": images, "targets": labels}


@registry.register_model
class FakeMultimodel(keras.Model):
    """Shared body, modality nets per domain (text embedding/softmax, image encoder, class head), a
    command-token table, and an auxiliary loss standing in for the MoE's."""

    def __init__(self, hparams, specs):
        super().__init__()
        self.specs = {s.name: s for s in specs}
        hidden = hparams.hidden_size
        vocab = max([s.vocab_size for s in specs] + [1])
        classes = max([s.num_classes for s in specs] + [1])
        self.text_embedding = keras.layers.Embedding(vocab, hidden, name="text_embedding")
        self.image_encoder = keras.layers.Dense(hidden, name="image_encoder")
        self.command_tokens = keras.layers.Embedding(hparams.max_target_spaces, hidden, name="command")
        self.body = keras.layers.Dense(hidden, activation="relu", name="body")
        self.text_softmax = keras.layers.Dense(vocab, name="text_softmax")
        self.class_head = keras.layers.Dense(classes, name="class_head")
        self._last_load = None

    def build(self, input_shape):  # sublayers build on first use
        self.built = True

    def encode(self, features, problem, training=False):
        spec = self.specs[problem]
        inputs = features["inputs"]
        if spec.input_modality == "symbol":
            encoded = tf.reduce_mean(self.text_embedding(inputs), axis=1)
            if problem == "fake_text_nan":
                encoded = encoded * tf.math.log(tf.cast(self.body.kernel[0, 0] * 0.0 - 1.0, tf.float32))
        else:
            pooled = tf.nn.avg_pool2d(inputs, 2, 2, "VALID")
            encoded = self.image_encoder(tf.reshape(pooled, [tf.shape(inputs)[0], -1]))
        return encoded + self.command_tokens(features["target_space_id"])

    def decode(self, encoded, targets, problem, training=False):
        shifted = tf.pad(targets, [[0, 0], [1, 0]])[:, :-1]
        hidden = self.body(self.text_embedding(shifted) + encoded[:, None, :])
        return self.text_softmax(hidden)

    def call(self, features, problem=None, training=False):
        spec = self.specs[problem]
        encoded = self.encode(features, problem, training)
        load = tf.nn.softmax(encoded[:, :4], axis=-1)
        self.add_loss(1e-2 * tf.reduce_mean(tf.square(tf.reduce_mean(load, 0) - 0.25)))
        object.__setattr__(self, "_last_load", tf.reduce_sum(load, 0))
        if spec.text_targets:
            return self.decode(encoded, features["targets"], problem, training)
        return self.class_head(self.body(encoded))

    def moe_stats(self, problem=None):
        if self._last_load is None:
            return {}
        return {"layer_0": {"expert_load": self._last_load, "dropped_fraction": tf.constant(0.0)}}
