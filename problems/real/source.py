"""Where a real problem reads its data, as an object the problem holds (seqio's shape): RAW, the corpus
files in --tmp_dir read by the problem's own readers (the default), or a TfdsBuilder.

A problem class names its TFDS builder in ``tfds`` (None: raw files only: WSJ speech and parsing, and
LibriSpeech, whose TFDS builder needs Apache Beam). Each instance reads from ``problem.source``;
``problem.use_source("tfds")`` (what mm-datagen --source=tfds does) makes it the builder, so two problems
in one process may read from different sources. The environment variable T2T_MM_SOURCE sets the default
for library use.
"""

import os

from t2t_mm.errors import UserError

SOURCES = ("raw", "tfds")


class RawFiles:
    """The corpus files under --tmp_dir, read by the problem's own readers."""
    name = "raw"

    def has_split(self, split):
        return True

    def __repr__(self):
        return "RawFiles()"


RAW = RawFiles()


class TfdsBuilder:
    """A TFDS builder: `splits` maps the problem's splits to the builder's (a split it lacks is absent)."""
    name = "tfds"

    def __init__(self, builder, splits, skip_image_decoding=False):
        self.builder, self.splits, self.skip_image_decoding = builder, dict(splits), skip_image_decoding

    def has_split(self, split):
        return split in self.splits

    def examples(self, tmp_dir, split):
        return tfds_examples(self.builder, self.splits[split], tmp_dir, self.skip_image_decoding)

    def __repr__(self):
        return f"TfdsBuilder({self.builder!r})"


class HasSources:
    """Mixin of the real problems that TFDS may feed (put it before the task shape in the bases)."""
    tfds = None   # a TfdsBuilder when TFDS has the corpus

    @property
    def source(self):
        """What this instance reads: RAW, or self.tfds once use_source("tfds") chose it."""
        chosen = self.__dict__.get("_source")
        return chosen if chosen is not None else self._pick(os.environ.get("T2T_MM_SOURCE", "raw"))

    def use_source(self, name):
        self._source = self._pick(name)
        return self

    def _pick(self, name):
        if name not in SOURCES:
            raise UserError("--source=%s: choose one of %s" % (name, ", ".join(SOURCES)))
        return self.tfds if name == "tfds" and self.tfds is not None else RAW


def tfds_examples(name, split, tmp_dir, skip_image_decoding=False):
    """numpy examples of a TFDS builder split. Data is looked for in ``<tmp_dir>/tensorflow_datasets``
    when that exists (else TFDS's default data dir); ``tmp_dir`` is the manual_dir (ImageNet)."""
    import tensorflow_datasets as tfds

    data_dir = os.path.join(tmp_dir, "tensorflow_datasets")
    kwargs = {"decoders": {"image": tfds.decode.SkipDecoding()}} if skip_image_decoding else {}
    try:
        dataset = tfds.load(name, split=split, data_dir=data_dir if os.path.isdir(data_dir) else None,
                            shuffle_files=False,
                            download_and_prepare_kwargs={"download_config": tfds.download.DownloadConfig(
                                manual_dir=tmp_dir)}, **kwargs)
    except Exception as err:  # TFDS raises many types (AssertionError for a missing manual_dir)
        raise UserError("TFDS %s (split %s) could not be loaded: %s. Prepare it with `tfds build %s` "
                        "(ImageNet: put ILSVRC2012_img_{train,val}.tar in --tmp_dir), or use the raw "
                        "files (--source=raw)." % (name, split, str(err).splitlines()[0][:300], name))
    return tfds.as_numpy(dataset)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
