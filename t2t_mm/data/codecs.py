"""Feature codecs: how one input or target is stored in a tf.train.Example and read back.

Each task shape is a pair of codecs (text->text = Text, Text; image->class = Image, ClassLabel; ...).
A codec turns a raw sample's field into Example features at datagen time (Python), and turns parsed
features into the tensor the model sees (TensorFlow, inside the input pipeline). It also says how long
an example is for length bucketing, and how it is padded.

On disk: text = int64 ids ending in EOS under the feature key ("inputs"/"targets"); class = int64
"targets"; image = "image/encoded" (PNG/JPEG bytes), "image/format", "image/shape" [H, W, 3];
audio = "audio/pcm16" (int16 bytes; older shards: "audio/samples" float32) plus "audio/sample_rate".
"""
import io
import math

import numpy as np

from t2t_mm.data.vocab import EOS_ID


def _int64(values):
    import tensorflow as tf
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def _bytes(values):
    import tensorflow as tf
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def _floats(values):
    import tensorflow as tf
    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


class TextCodec:
    """Subword ids from the shared vocabulary, EOS appended; padded with 0 to the bucket length."""
    kind = "text"

    def __init__(self, feature, sample_key=None):
        self.feature = feature
        self.sample_key = sample_key or feature

    def texts(self, sample):
        return [sample[self.sample_key]]

    def to_features(self, sample, problem, vocab):
        text = sample[self.sample_key]
        if not isinstance(text, str):
            raise TypeError(f"{problem.name}: sample['{self.sample_key}'] must be str, got {type(text).__name__}")
        return {self.feature: _int64(vocab.encode(text) + [EOS_ID])}

    def parse_spec(self):
        import tensorflow as tf
        return {self.feature: tf.io.VarLenFeature(tf.int64)}

    def decode(self, parsed, problem, training):
        import tensorflow as tf
        return tf.cast(tf.sparse.to_dense(parsed[self.feature]), tf.int32)

    def length(self, tensor, hparams):
        import tensorflow as tf
        return tf.shape(tensor)[0]

    def padded_shape(self, bucket_length, hparams, problem):
        return [bucket_length]


class ClassLabelCodec:
    """One integer class per example, stored as 'targets'."""
    kind = "class"
    feature = "targets"

    def texts(self, sample):
        return []

    def to_features(self, sample, problem, vocab):
        label = int(sample["label"])
        if not 0 <= label < problem.num_classes:
            raise ValueError(f"{problem.name}: label {label} outside [0, {problem.num_classes})")
        return {"targets": _int64([label])}

    def parse_spec(self):
        import tensorflow as tf
        return {"targets": tf.io.FixedLenFeature([1], tf.int64)}

    def decode(self, parsed, problem, training):
        import tensorflow as tf
        return tf.cast(parsed["targets"][0], tf.int32)

    def length(self, tensor, hparams):
        return 1

    def padded_shape(self, bucket_length, hparams, problem):
        return []


class ImageCodec:
    """Encoded PNG/JPEG bytes; decoded, resized to the problem's image_size and standardized."""
    kind = "image"

    def texts(self, sample):
        return []

    def to_features(self, sample, problem, vocab):
        encoded, fmt, shape = encode_image(sample["image"])
        return {"image/encoded": _bytes([encoded]), "image/format": _bytes([fmt.encode()]),
                "image/shape": _int64(list(shape))}

    def parse_spec(self):
        import tensorflow as tf
        return {"image/encoded": tf.io.FixedLenFeature([], tf.string)}

    def decode(self, parsed, problem, training):
        import tensorflow as tf
        image = tf.io.decode_image(parsed["image/encoded"], channels=3, expand_animations=False)
        image.set_shape([None, None, 3])
        return problem.preprocess_image(image, training)

    def length(self, tensor, hparams):
        return 1

    def padded_shape(self, bucket_length, hparams, problem):
        return [problem.image_size, problem.image_size, 3]


class AudioCodec:
    """A waveform in [-1, 1] at the problem's sample rate, stored as 16-bit PCM ("audio/pcm16": the int16
    samples' little-endian bytes): half of float32's size on disk and in the training shuffle buffer,
    and lossless for the 16-bit corpora (WSJ's SPHERE, LibriSpeech's FLAC). Read back as float32,
    0-padded to the bucket length in samples. Shards written before hold float32 "audio/samples" and
    read as they did.

    For bucketing, ceil(samples / hparams.audio_samples_per_token) counts as the example's length.
    """
    kind = "audio"
    SCALE = 32768.0   # int16 full scale: the readers give 16-bit samples / 32768

    def texts(self, sample):
        return []

    def to_features(self, sample, problem, vocab):
        audio = np.asarray(sample["audio"], dtype=np.float32)
        if audio.ndim != 1:
            raise ValueError(f"{problem.name}: sample['audio'] must be 1-D, got shape {audio.shape}")
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if not peak <= 1.0:   # also NaN
            raise ValueError(f"{problem.name}: sample['audio'] must be a waveform in [-1, 1], got a peak of "
                             f"{peak:g} (divide 16-bit samples by 32768, or scale the waveform down)")
        rate = int(sample.get("sample_rate", problem.sample_rate))
        if rate != problem.sample_rate:
            audio = resample(audio, rate, problem.sample_rate)
        pcm = np.clip(np.round(audio * self.SCALE), -32768, 32767).astype("<i2")
        return {"audio/pcm16": _bytes([pcm.tobytes()]), "audio/sample_rate": _int64([problem.sample_rate])}

    def parse_spec(self):
        import tensorflow as tf
        return {"audio/pcm16": tf.io.VarLenFeature(tf.string), "audio/samples": tf.io.VarLenFeature(tf.float32)}

    def decode(self, parsed, problem, training):
        """The PCM samples, or an older shard's float32 ones: each record has one of the two."""
        import tensorflow as tf
        pcm = tf.strings.reduce_join(tf.sparse.to_dense(parsed["audio/pcm16"]))   # b"" in older shards
        wave = tf.cast(tf.io.decode_raw(pcm, tf.int16, little_endian=True), tf.float32) / self.SCALE
        return tf.concat([wave, tf.sparse.to_dense(parsed["audio/samples"])], axis=0)

    def length(self, tensor, hparams):
        import tensorflow as tf
        step = hparams.audio_samples_per_token
        return (tf.shape(tensor)[0] + step - 1) // step

    def padded_shape(self, bucket_length, hparams, problem):
        return [bucket_length * hparams.audio_samples_per_token]


def encode_image(image):
    """(bytes, 'png'|'jpeg', (H, W, 3)) from encoded bytes or a uint8 array (arrays become PNG)."""
    from PIL import Image
    if isinstance(image, (bytes, bytearray)):
        with Image.open(io.BytesIO(image)) as img:
            fmt = (img.format or "").lower()
            width, height = img.size
        if fmt not in ("png", "jpeg"):
            raise ValueError(f"image bytes must be PNG or JPEG, got {fmt or 'an unknown format'}")
        return bytes(image), fmt, (height, width, 3)
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"image arrays must be uint8 [H, W, 3], got {array.dtype} {array.shape}")
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG", compress_level=1)
    return out.getvalue(), "png", array.shape


def resample(audio, rate_in, rate_out):
    """Linear-interpolation resampling (enough for matching rates of already band-limited speech)."""
    count = int(math.ceil(len(audio) * rate_out / rate_in))
    positions = np.arange(count) * (rate_in / rate_out)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)
