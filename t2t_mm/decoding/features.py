"""User inputs -> model features through the problem's own codecs, so serving sees exactly what
training saw: a raw sample goes through codec.to_features (the datagen step: vocabulary + EOS,
image format checks, audio resampling), then the pipeline's parse and codec.decode (image resize and
standardization, ...). Text lines, image paths and audio paths (any soundfile format: wav, flac, ...)."""
import io
import os

import numpy as np
import tensorflow as tf

from t2t_mm.data.vocab import EOS_ID
from t2t_mm.errors import UserError


def _read_file(path, what):
    if not os.path.isfile(path):
        raise UserError(f"{what} file not found: {path} (each input line of an {what} problem is the "
                        "path of one file, absolute or relative to the current directory or the input file)")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UserError(f"cannot read {what} file {path}: {exc.strerror or exc}") from exc


MAX_IMAGE_PIXELS = 64_000_000   # 8000x8000: larger inputs (decompression bombs) are refused, not decoded


def _check_image(path, data):
    """Decodes the image once with PIL, so truncated files and decompression bombs are one-line errors
    (TensorFlow would decode a truncated JPEG as a grey half, or allocate a bomb's gigabytes)."""
    import warnings
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UserError(f"image {path} is {width}x{height} pixels, more than the {MAX_IMAGE_PIXELS:,} "
                                    "allowed (a decompression bomb?): resize it first")
                img.load()
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UserError(f"image {path} is too large to decode safely ({exc}): resize it first") from exc
    except Exception as exc:  # PIL: UnidentifiedImageError, "image file is truncated", SyntaxError, ...
        raise UserError(f"image {path} cannot be decoded ({type(exc).__name__}: {exc}): is it a complete "
                        "PNG or JPEG file?") from exc


def _read_audio(path):
    import soundfile
    _read_file(path, "audio")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, TypeError) as exc:  # soundfile's errors for files it cannot read
        raise UserError(f"cannot read audio {path}: {exc} (use wav, flac or another libsndfile format)") from exc
    if samples.shape[0] == 0:
        raise UserError(f"audio {path} has no samples (an empty or zero-length recording)")
    return samples.mean(axis=1), int(rate)


def raw_sample(problem, item):
    """A raw sample dict, as generate_samples would yield it, from one input line (text or path)."""
    kind = problem.input_kind
    if kind == "text":
        return {problem.input_codec.sample_key: item}
    if kind == "image":
        data = _read_file(item, "image")
        _check_image(item, data)
        return {"image": data, "_path": item}
    if kind == "audio":
        samples, rate = _read_audio(item)
        return {"audio": samples, "sample_rate": rate, "_path": item}
    raise UserError(f"problem {problem.name}: decoding inputs of kind '{kind}' is not supported")


def example_inputs(problem, sample, vocab):
    """One example's `inputs` tensor, through the same codec path as datagen + the input pipeline."""
    codec = problem.input_codec
    where = sample.get("_path", "input")
    try:
        stored = codec.to_features(sample, problem, vocab)
        record = tf.train.Example(features=tf.train.Features(feature=stored)).SerializeToString()
        parsed = tf.io.parse_single_example(record, codec.parse_spec())
        return codec.decode(parsed, problem, training=False)
    except (ValueError, OSError, TypeError, tf.errors.OpError) as exc:  # PIL, numpy, TF decode errors
        message = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise UserError(f"{where}: cannot be read as input of {problem.name}: {message}") from exc


def batch_features(tensors, target_space_id):
    """Examples padded with 0 to the longest one and stacked, with the problem's command-token id."""
    arrays = [np.asarray(t) for t in tensors]
    shape = np.max([a.shape for a in arrays], axis=0)
    batch = np.zeros([len(arrays), *shape], dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        batch[(i, *[slice(0, n) for n in a.shape])] = a
    return {"inputs": tf.constant(batch),
            "target_space_id": tf.fill([len(arrays)], tf.constant(int(target_space_id), tf.int32))}


def dummy_features(problem, spec, hparams):
    """A one-example batch with targets, for building the model's variables before a restore."""
    kind = problem.input_kind
    if kind == "text":
        inputs = tf.constant([[3, 4, EOS_ID]], tf.int32)
    elif kind == "image":
        inputs = tf.zeros([1, problem.image_size, problem.image_size, 3], tf.float32)
    else:
        per_token = int(getattr(hparams, "audio_samples_per_token", 0) or 0) if hparams else 0
        inputs = tf.zeros([1, max(per_token * 8, problem.sample_rate // 4, 1024)], tf.float32)
    if spec.text_targets:
        targets = tf.constant([[3, EOS_ID]], tf.int32)
    else:
        targets = tf.zeros([1], tf.int32)
    return {"inputs": inputs, "targets": targets,
            "target_space_id": tf.constant([spec.target_space_id], tf.int32)}


def serving_input_spec(problem):
    """tf.TensorSpec of already preprocessed `inputs` for a SavedModel signature."""
    kind = problem.input_kind
    if kind == "text":
        return tf.TensorSpec([None, None], tf.int32, name="inputs")
    if kind == "image":
        return tf.TensorSpec([None, problem.image_size, problem.image_size, 3], tf.float32, name="inputs")
    return tf.TensorSpec([None, None], tf.float32, name="inputs")
