"""User inputs -> model features through the problem's own codecs, so serving sees exactly what
training saw: a raw sample goes through codec.to_features (the datagen step: vocabulary + EOS,
image format checks, audio resampling), then the pipeline's parse and codec.decode (image resize and
standardization, ...). Text lines, image paths and audio paths (any soundfile format: wav, flac, ...)."""
import os

import numpy as np
import tensorflow as tf

from t2t_mm.errors import UserError


def input_kind(problem):
    """'text', 'image' or 'audio': what one line of a decode input file holds (text or a path)."""
    return problem.input_codec.kind


def _read_file(path, what):
    if not os.path.isfile(path):
        raise UserError(f"{what} file not found: {path} (each input line of an {what} problem is the "
                        "path of one file, absolute or relative to the current directory or the input file)")
    with open(path, "rb") as f:
        return f.read()


def _read_audio(path):
    import soundfile
    _read_file(path, "audio")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except RuntimeError as exc:  # soundfile's error for formats it cannot read
        raise UserError(f"cannot read audio {path}: {exc} (use wav, flac or another libsndfile format)") from exc
    return samples.mean(axis=1), int(rate)


def raw_sample(problem, item):
    """A raw sample dict, as generate_samples would yield it, from one input line (text or path)."""
    kind = input_kind(problem)
    if kind == "text":
        return {problem.input_codec.sample_key: item}
    if kind == "image":
        return {"image": _read_file(item, "image"), "_path": item}
    if kind == "audio":
        samples, rate = _read_audio(item)
        return {"audio": samples, "sample_rate": rate, "_path": item}
    raise UserError(f"problem {problem.name}: decoding inputs of kind '{kind}' is not supported")


def example_inputs(problem, sample, vocab):
    """One example's `inputs` tensor, through the same codec path as datagen + the input pipeline."""
    codec = problem.input_codec
    try:
        stored = codec.to_features(sample, problem, vocab)
    except (ValueError, OSError) as exc:  # PIL: UnidentifiedImageError is an OSError
        raise UserError(f"{sample.get('_path', 'input')}: cannot be read as input of {problem.name}: "
                        f"{exc}") from exc
    record = tf.train.Example(features=tf.train.Features(feature=stored)).SerializeToString()
    parsed = tf.io.parse_single_example(record, codec.parse_spec())
    return codec.decode(parsed, problem, training=False)


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
    kind = input_kind(problem)
    if kind == "text":
        inputs = tf.constant([[3, 4, 1]], tf.int32)
    elif kind == "image":
        inputs = tf.zeros([1, problem.image_size, problem.image_size, 3], tf.float32)
    else:
        per_token = int(getattr(hparams, "audio_samples_per_token", 0) or 0) if hparams else 0
        inputs = tf.zeros([1, max(per_token * 8, problem.sample_rate // 4, 1024)], tf.float32)
    if spec.text_targets:
        targets = tf.constant([[3, 1]], tf.int32)
    else:
        targets = tf.zeros([1], tf.int32)
    return {"inputs": inputs, "targets": targets,
            "target_space_id": tf.constant([spec.target_space_id], tf.int32)}


def serving_input_spec(problem):
    """tf.TensorSpec of already preprocessed `inputs` for a SavedModel signature."""
    kind = input_kind(problem)
    if kind == "text":
        return tf.TensorSpec([None, None], tf.int32, name="inputs")
    if kind == "image":
        return tf.TensorSpec([None, problem.image_size, problem.image_size, 3], tf.float32, name="inputs")
    return tf.TensorSpec([None, None], tf.float32, name="inputs")
