"""Where a real problem reads its data: the raw files in --tmp_dir ("raw", the default) or TFDS ("tfds").

mm-datagen --source=tfds calls ``set_source("tfds")``; problems without a TFDS builder (WSJ speech
and parsing, LibriSpeech, whose TFDS builder needs Apache Beam) read raw files either way. The
environment variable T2T_MM_SOURCE sets the default for library use.
"""

import os

from t2t_mm.errors import UserError

SOURCES = ("raw", "tfds")
_current = [os.environ.get("T2T_MM_SOURCE", "raw")]


def set_source(name):
    if name not in SOURCES:
        raise UserError("--source=%s: choose one of %s" % (name, ", ".join(SOURCES)))
    _current[0] = name


def current():
    return _current[0]


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
