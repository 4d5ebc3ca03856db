"""Trivially learnable held-out tasks for each modality, trained through the project's own training step
(CompiledSteps: the optimizer, the warmup + rsqrt schedule, label smoothing, the MoE losses) on a small
real MultiModel config (hidden 32, two blocks, MoE on, dropout 0). A model that ignores its inputs
cannot pass them: every task's target is a function of its input alone."""
import numpy as np
import tensorflow as tf

from t2t_mm import plugins, registry
from t2t_mm.decoding.greedy import greedy_decode
from t2t_mm.spec import ProblemSpec
from t2t_mm.training import distribution, optimizer as optimizer_lib
from t2t_mm.training import step as step_lib

VOCAB, CLASSES, BATCH = 32, 4, 32
SMALL = ("hidden_size=32,num_heads=4,encoder_blocks=2,mixer_blocks=1,decoder_blocks=2,moe_num_experts=4,"
         "moe_k=2,moe_hidden_size=32,image_filters=[8,16],class_exit_filters=[16,16,32],audio_blocks=4,"
         "spectral_time_strides=2,audio_mel_bins=16,audio_frame_length=256,audio_frame_step=128,"
         "dropout=0.0,learning_rate=0.02,learning_rate_warmup_steps=30,batch_size=1024")


def small_hparams(overrides=""):
    plugins.load_all()
    hp = registry.hparams("multimodel_tiny").parse(SMALL)
    return hp.parse(overrides) if overrides else hp


# ---- the tasks: fn(rng, n) -> {"inputs", "targets"} numpy -------------------------------------------
def _quadrant_images(rng, n):
    """16x16 noise images with one bright quadrant (the class) in one of two colours."""
    classes, colours = rng.integers(0, CLASSES, n), rng.integers(0, 2, n)
    images = rng.normal(0, 0.3, (n, 16, 16, 3)).astype(np.float32)
    for i, (c, colour) in enumerate(zip(classes, colours)):
        r, q = (c // 2) * 8, (c % 2) * 8
        images[i, r:r + 8, q:q + 8, colour * 2] += 2.0
    return images, classes, colours


def image_classes(rng, n):
    images, classes, _ = _quadrant_images(rng, n)
    return {"inputs": images, "targets": classes.astype(np.int32)}


def image_captions(rng, n):
    """Caption: quadrant word, colour word, EOS."""
    images, classes, colours = _quadrant_images(rng, n)
    targets = np.stack([2 + classes, 10 + colours, np.ones(n)], axis=1).astype(np.int32)
    return {"inputs": images, "targets": targets}


def tones(rng, n, samples):
    """One of four pure tones, then a second one (two words), 0-padded after a random length."""
    freqs = np.array([300.0, 700.0, 1300.0, 2500.0])
    first, second = rng.integers(0, 4, n), rng.integers(0, 4, n)
    t = np.arange(samples // 2) / 16000.0
    waves = np.zeros((n, samples), np.float32)
    for i in range(n):
        waves[i, :samples // 2] = np.sin(2 * np.pi * freqs[first[i]] * t)
        length = int(rng.integers(samples * 3 // 4, samples))
        waves[i, samples // 2:length] = np.sin(2 * np.pi * freqs[second[i]] * t[:length - samples // 2])
    waves += rng.normal(0, 0.05, waves.shape).astype(np.float32) * (waves != 0)
    targets = np.stack([2 + first, 6 + second, np.ones(n)], axis=1).astype(np.int32)
    return {"inputs": waves, "targets": targets}


def text_copy(rng, n, reverse=False, length=6):
    ids = rng.integers(2, VOCAB, (n, length)).astype(np.int32)
    targets = ids[:, ::-1] if reverse else ids
    eos = np.ones((n, 1), np.int32)
    return {"inputs": np.concatenate([ids, eos], 1), "targets": np.concatenate([targets, eos], 1)}


# ---- training and scoring -------------------------------------------------------------------------
class Learner:
    """A MultiModel over `specs` ({spec: task fn}) trained with the project's compiled training step."""

    def __init__(self, tasks, hparams=None, seed=0):
        self.hparams = hparams or small_hparams()
        self.tasks = {spec.name: (spec, fn) for spec, fn in tasks.items()}
        self.specs = {name: spec for name, (spec, _) in self.tasks.items()}
        self.strategy = distribution.make_strategy("one_device")
        self.rng = np.random.default_rng(seed)
        tf.keras.utils.set_random_seed(seed)
        with self.strategy.scope():
            self.model = registry.model("multimodel")(self.hparams, list(self.specs.values())).build_all()
            self.optimizer = optimizer_lib.Adam.from_hparams(self.hparams)
            self.optimizer.build(self.model.trainable_variables)
        self.steps = step_lib.CompiledSteps(self.model, self.optimizer, self.strategy, self.hparams,
                                            self.specs)
        self.step = 0
        self.iterators = {}

    def batch(self, name, n=BATCH, rng=None):
        spec, fn = self.tasks[name]
        features = fn(rng or self.rng, n)
        features["target_space_id"] = np.full([n], spec.target_space_id, np.int32)
        return features

    def _iterator(self, name):
        if name not in self.iterators:
            train = tf.data.Dataset.from_tensor_slices(self.batch(name, BATCH * 64)).batch(BATCH, True).repeat()
            self.iterators[name] = iter(self.strategy.experimental_distribute_dataset(train))
        return self.iterators[name]

    def train(self, steps):
        names = sorted(self.tasks)
        for _ in range(steps):
            name = names[self.step % len(names)]
            self.step += 1
            self.steps.train(name)(self._iterator(name), tf.constant(self.step, tf.int64))
        return self

    def held_out(self, name, n=64):
        return self.batch(name, n, np.random.default_rng(999))

    def accuracy(self, name, features=None, shuffle=False):
        """Held-out token accuracy (teacher-forced) or top-1; shuffle gives each example another's input."""
        spec = self.specs[name]
        features = dict(features or self.held_out(name))
        if shuffle:
            features["inputs"] = np.roll(features["inputs"], 1, axis=0)
        logits = self.model(features, problem=name, training=False).numpy()
        targets = features["targets"]
        if not spec.text_targets:
            return float((logits.argmax(-1) == targets).mean())
        real = targets > 0
        return float(((logits.argmax(-1) == targets) & real).sum() / real.sum())

    def decode(self, name, features=None, space=None):
        features = dict(features or self.held_out(name))
        if space is not None:
            features["target_space_id"] = np.full_like(features["target_space_id"], space)
        max_length = features["targets"].shape[1]
        inputs = {k: tf.constant(v) for k, v in features.items() if k != "targets"}
        return tf.function(lambda f: greedy_decode(self.model, f, name, max_length))(inputs)["ids"].numpy()


def spec(name, inputs, targets, space):
    return ProblemSpec(name, inputs, targets, space, vocab_size=VOCAB,
                       num_classes=CLASSES if targets == "class_label" else 0)
