"""The Problem base class: what a problem declares and what every problem gets for free.

A problem declares its modalities (registered modality names), its target space (the decoder's
command token, "english" -> "To-English"), its splits with default shard counts, its eval metrics,
and ``generate_samples(tmp_dir, split)``, which yields raw dicts. Everything else -- encoding to
tf.train.Example, shards, the shared vocabulary, ProblemSpec and the input pipeline -- comes from
here and from the codecs of its task shape (t2t_mm.data.task_shapes).
"""
from t2t_mm import naming
from t2t_mm.data import target_spaces
from t2t_mm.data import vocab as vocab_lib
from t2t_mm.data.data_errors import MissingDataError, datagen_command

MODE_SPLITS = {"train": "train", "eval": "dev", "dev": "dev", "test": "test"}


class Problem:
    input_modality = None          # "symbol", "image", "audio_waveform" or "audio_spectral"
    target_modality = None         # "symbol" or "class_label"
    target_space = None            # e.g. "english" -> command token "To-English"
    splits = {"train": 10, "dev": 1}   # split -> default number of shards
    eval_metrics = ()              # metric names (t2t_mm.metrics.names.DECLARABLE); log_perplexity is always reported
    num_classes = 0                # class_label targets
    class_names = None             # optional: a name per class id, printed by mm-decoder instead of the id
    image_size = None              # image inputs are resized to image_size x image_size
    sample_rate = 16000            # audio inputs are stored at this rate
    size_scale = 1.0               # generated problems multiply their sizes by this (mm-datagen --mini_scale)
    vocab_examples = None          # train examples read for the shared vocabulary (None: all of them)
    tmp_dir_hint = "<tmp_dir>"     # what --tmp_dir must hold, shown in "Make it with: mm-datagen ..." errors
    stored = True                  # its examples are shards mm-datagen writes (False: made in memory by dataset())
    input_codec = None             # set by the task-shape subclasses
    target_codec = None

    def generate_samples(self, tmp_dir, split):
        """Yields raw sample dicts of one split (keys depend on the task shape)."""
        raise NotImplementedError(f"{type(self).__name__} must define generate_samples(tmp_dir, split)")

    def num_examples(self, split):
        """Expected number of samples of a split, when known up front (for progress ETA); else None."""
        return None

    def dataset_size(self, data_dir, split="train"):
        """Examples mm-datagen wrote for a split of this problem in data_dir (exact, whatever
        --mini_scale was), or None when unknown; for size-proportional mixing."""
        from t2t_mm.data import meta
        return meta.num_examples(data_dir, self.name, split)

    # ----- derived -----
    @property
    def name(self):
        return getattr(type(self), "registered_name", None) or naming.snake_case(type(self).__name__)

    @property
    def codecs(self):
        return {"inputs": self.input_codec, "targets": self.target_codec}

    @property
    def input_kind(self):
        """'text', 'image' or 'audio': what one line of a decode input file holds (text or a path)."""
        return self.input_codec.kind

    @property
    def uses_vocab(self):
        return any(c.kind == "text" for c in self.codecs.values())

    def texts(self, sample):
        """The strings of a raw sample that the shared vocabulary must cover."""
        return [t for codec in self.codecs.values() for t in codec.texts(sample)]

    def vocab_lines(self, tmp_dir):
        """Training text for the shared vocabulary: the train split's text fields (the first
        vocab_examples samples, for problems whose samples are costly and whose text is repetitive)."""
        max_examples = self.vocab_examples
        for i, sample in enumerate(self.generate_samples(tmp_dir, "train")):
            if max_examples is not None and i >= max_examples:
                return
            yield from self.texts(sample)

    def serialize(self, sample, vocab):
        """A raw sample -> serialized tf.train.Example."""
        import tensorflow as tf
        features = {}
        for codec in self.codecs.values():
            features.update(codec.to_features(sample, self, vocab))
        return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()

    def check_declarations(self):
        """A plugin author's mistakes, named before any data is generated."""
        from t2t_mm.errors import UserError
        where = f"problem {self.name} ({type(self).__module__}.{type(self).__name__})"
        if not self.target_space:
            raise UserError(f"{where} has no target_space; set e.g. target_space = \"english\" "
                            "(it becomes the command token To-English)")
        if self.target_modality == "class_label" and self.num_classes <= 0:
            raise UserError(f"{where} predicts classes but declares num_classes = {self.num_classes}")
        if self.input_modality == "image" and not self.image_size:
            raise UserError(f"{where} has image inputs but no image_size (pixels, e.g. image_size = 32)")
        if "train" not in self.splits:
            raise UserError(f"{where}: splits {dict(self.splits)} must include 'train'")
        from t2t_mm.metrics import names
        unknown = names.unknown(self.eval_metrics)
        if unknown:
            raise UserError(f"{where} declares eval_metrics {', '.join(map(repr, unknown))}, which t2t_mm does not "
                            f"compute: use names of {', '.join(names.DECLARABLE)}")

    def use_source(self, name):
        """mm-datagen --source=NAME ("raw" files in --tmp_dir, or "tfds"): problems that can read from
        more than one source choose here (t2t_mm.problems.real.source); the others read theirs either
        way. Returns the problem."""
        return self

    def split_for_mode(self, mode):
        split = MODE_SPLITS.get(mode, mode)
        if split not in self.splits:
            from t2t_mm.errors import UserError
            raise UserError(f"problem {self.name} has no split for mode '{mode}'; its splits are "
                            f"{', '.join(self.splits)} (modes: train, eval, test)")
        return split

    def datagen_command(self, data_dir):
        """The command that makes this problem's data in data_dir (quoted by every missing-data error)."""
        return datagen_command(self.name, data_dir, self.tmp_dir_hint)

    def vocab(self, data_dir):
        """The shared vocabulary of data_dir (loaded once per problem instance and directory)."""
        cache = self.__dict__.setdefault("_vocabs", {})
        if data_dir not in cache:
            try:
                cache[data_dir] = vocab_lib.Vocab(data_dir)
            except MissingDataError as exc:
                raise MissingDataError(f"{exc} For this problem: {self.datagen_command(data_dir)}") from exc
        return cache[data_dir]

    def spec(self, data_dir):
        """The t2t_mm.spec.ProblemSpec the model and the trainer build from."""
        from t2t_mm.spec import ProblemSpec
        self.check_declarations()
        vocab_size = self.vocab(data_dir).size if self.uses_vocab else 0
        return ProblemSpec(
            name=self.name, input_modality=self.input_modality, target_modality=self.target_modality,
            target_space_id=target_spaces.space_id(data_dir, self.target_space), vocab_size=vocab_size,
            num_classes=self.num_classes if self.target_modality == "class_label" else 0)

    def dataset(self, mode, data_dir, hparams, seed=None, shuffle=None, repeat=None, input_context=None):
        """Batched tf.data.Dataset of {inputs, targets, target_space_id} (see docs/CONTRACTS.md).

        mode: "train" (shuffled, repeated, static bucketed shapes, drop_remainder) or "eval"/"test"
        (one pass in file order, last batch of a bucket may be smaller). seed defaults to hparams.seed.
        input_context: a tf.distribute.InputContext; each input pipeline then reads its own part of
        the data (whole shards when there are enough of them, else every n-th record).
        """
        from t2t_mm.data import pipeline
        return pipeline.build(self, mode, data_dir, hparams, seed=seed, shuffle=shuffle, repeat=repeat,
                              input_context=input_context)

    def preprocess_image(self, image, training):
        """uint8 [h, w, 3] -> float32 [image_size, image_size, 3], standardized per image."""
        import tensorflow as tf
        image = tf.image.resize(tf.cast(image, tf.float32), [self.image_size, self.image_size])
        return tf.image.per_image_standardization(image)
