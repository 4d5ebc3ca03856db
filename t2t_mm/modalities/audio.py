"""Audio in, from the 0-padded waveform [B, S] (Kaiser et al. 2017, Sec. 2.5): a stack of
hparams audio_blocks ConvRes blocks, l_i = ConvRes(l_{i-1}, 2^i) (paper: 8), then a pointwise
projection to hidden_size.

- "audio_waveform": 1-D over the samples; every block halves the time axis (8 blocks at 16 kHz:
  one position per 256 samples = 16 ms).
- "audio_spectral": computes a spectrogram inside the layer with tf.signal (log-mel or log-magnitude,
  hparams audio_spectrogram) and runs 2-D blocks that never stride along frequency and halve time in
  only the first hparams spectral_time_strides blocks: an encoder position covers
  frame_step * 2**spectral_time_strides samples (10 ms frames, 2 strides: 40 ms), tens of
  milliseconds of speech rather than seconds (halving time in all 8 blocks gave 2.56 s per position).
  The frequency axis is then folded into the channels.
Block i has max(2**i, hparams audio_min_filters) filters. The paper's 2, 4, 8 filters of the first
blocks starve the net: ConvSteps end in a LayerNorm over the channels, and over 2 channels a position
keeps only the sign of their difference. Measured on a two-tone task (tests/learning): token accuracy
0.50 after 200 steps with 2**i filters, the same with shuffled inputs (the input was not used at all);
1.00 after 100 steps with at least 16.
An example's length is its last non-zero sample; positions past it get padding_mask 0, and the mask
is applied between all blocks, so padding an utterance never changes its real positions.

Scale: the output leaves through a LayerNorm, as the image net's last ConvRes does, so the shared
encoder (and its MoE gate) sees audio at the scale of the other modalities. Without it the projection
grew to std ~12 within 300 steps, the gate logits of every audio position ranked the same two experts,
and in joint training those experts (trained on text) returned garbage for speech. The spectral net
also normalizes each utterance's log spectrogram per bin over its real frames (mean 0, variance 1,
"CMVN"): raw log features sit near log(1e-6) = -13.8 in silence and carry the recording's gain.
"""
import numpy as np
import keras
import tensorflow as tf
from keras import ops

from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.layers.conv_res import ConvRes
from t2t_mm.layers.position_norm import PositionLayerNorm
from t2t_mm.modalities.base import Modality


def waveform_lengths(waveform):
    """int32 [B]: index of the last non-zero sample + 1 (0 for an all-zero row)."""
    nonzero = tf.cast(tf.not_equal(waveform, 0.0), tf.int32)
    positions = tf.range(1, tf.shape(waveform)[1] + 1)[None, :]
    return tf.reduce_max(nonzero * positions, axis=1)


def downsampled_mask(lengths, frames, frame_step):
    """float32 [B, frames]: frame j is real when its first sample j * frame_step lies inside the example."""
    starts = tf.range(frames) * frame_step
    return tf.cast(starts[None, :] < lengths[:, None], tf.float32)


def normalize_per_utterance(features, mask, epsilon=1e-5):
    """features [B, T, F] standardized per example and feature over its real frames (mask [B, T]);
    padded frames become 0. Utterances of any gain or padding length give the same features."""
    weights = mask[..., None]
    count = tf.maximum(tf.reduce_sum(weights, axis=1, keepdims=True), 1.0)
    mean = tf.reduce_sum(features * weights, axis=1, keepdims=True) / count
    variance = tf.reduce_sum(tf.square(features - mean) * weights, axis=1, keepdims=True) / count
    return (features - mean) * tf.math.rsqrt(variance + epsilon) * weights


def _check_waveform(name, inputs):
    if len(inputs.shape) != 2:
        raise UserError(f"the '{name}' modality expects float32 waveforms [batch, samples] (0-padded), "
                        f"got shape {tuple(inputs.shape)}")


class _AudioStack(Modality):
    is_input = True
    rank = 1
    strides = 2
    no_stride = 1

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(hparams, size, **kwargs)
        self.num_blocks = int(self.hparams["audio_blocks"])
        if self.num_blocks < 1:
            raise UserError(f"hparams audio_blocks must be >= 1, got {self.num_blocks}")
        width = int(self.hparams["audio_min_filters"])
        norm = self.conv_norm()
        self.blocks = [ConvRes(max(2 ** i, width), 3, strides=self.block_strides(i), rank=self.rank,
                               preactivate=i > 1, norm=norm, name=f"conv_res{i}") for i in range(1, self.num_blocks + 1)]
        self.project = keras.layers.Dense(self.hidden_size, name="project")
        self.output_norm = PositionLayerNorm(epsilon=1e-6, name="output_norm")

    def _output(self, x, mask):
        """Projection to hidden_size, layer-normalized (shared-body scale), padding zeroed."""
        x = self.output_norm(self.project(x))
        return x * ops.cast(mask[..., None], x.dtype)

    def block_strides(self, i):
        return self.strides

    def time_reduction(self):
        """How many input steps (samples or frames) one output position covers."""
        return 2 ** sum(1 for i in range(1, self.num_blocks + 1) if self.block_strides(i) != self.no_stride)

    def _stack(self, x, mask):
        for block in self.blocks:
            x, mask = block(x, mask)
        return x, mask


@registry.register_modality("audio_waveform")
@keras.saving.register_keras_serializable("t2t_mm")
class AudioWaveformModality(_AudioStack):
    def bottom(self, inputs, training=False):
        _check_waveform("audio_waveform", inputs)
        sample_mask = downsampled_mask(waveform_lengths(tf.cast(inputs, tf.float32)), tf.shape(inputs)[1], 1)
        x, mask = self._stack(ops.cast(inputs, self.compute_dtype)[..., None], sample_mask)
        return self._output(x, mask), mask                                  # [B, S / 2^n, 2^n]

    def dummy_inputs(self, batch):
        samples = 4 * self.time_reduction()
        return np.random.RandomState(0).randn(batch, samples).astype(np.float32)


@registry.register_modality("audio_spectral")
@keras.saving.register_keras_serializable("t2t_mm")
class AudioSpectralModality(_AudioStack):
    rank = 2
    strides = (2, 1)  # time only: the spectral net never strides along frequency
    no_stride = (1, 1)

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(hparams, size, **kwargs)
        self.kind = self.hparams["audio_spectrogram"]
        if self.kind not in ("log_mel", "log_magnitude"):
            raise UserError(f"hparams audio_spectrogram must be 'log_mel' or 'log_magnitude', got {self.kind!r}")
        self.frame_length = int(self.hparams["audio_frame_length"])
        self.frame_step = int(self.hparams["audio_frame_step"])
        self.fft_length = int(2 ** np.ceil(np.log2(self.frame_length)))
        self.bins = self.fft_length // 2 + 1
        if self.kind == "log_mel":
            rate = float(self.hparams["audio_sample_rate"])
            self.mel = tf.signal.linear_to_mel_weight_matrix(
                int(self.hparams["audio_mel_bins"]), self.bins, rate, 20.0, rate / 2.0)
            self.bins = int(self.hparams["audio_mel_bins"])
        self.time_strides = int(self.hparams["spectral_time_strides"])
        if not 0 <= self.time_strides <= self.num_blocks:
            raise UserError(f"hparams spectral_time_strides must lie in [0, audio_blocks={self.num_blocks}], "
                            f"got {self.time_strides}")

    def block_strides(self, i):
        return self.strides if i <= int(self.hparams["spectral_time_strides"]) else self.no_stride

    def spectrogram(self, waveform):
        """float32 [B, frames, bins]: log(|STFT| (mel-weighted) + 1e-6)."""
        stft = tf.signal.stft(tf.cast(waveform, tf.float32), self.frame_length, self.frame_step,
                              self.fft_length, pad_end=True)
        magnitude = tf.abs(stft)
        if self.kind == "log_mel":
            magnitude = tf.tensordot(magnitude, self.mel, 1)
        return tf.math.log(magnitude + 1e-6)

    def bottom(self, inputs, training=False):
        _check_waveform("audio_spectral", inputs)
        spec = self.spectrogram(inputs)
        frame_mask = downsampled_mask(waveform_lengths(tf.cast(inputs, tf.float32)), tf.shape(spec)[1],
                                      self.frame_step)
        spec = normalize_per_utterance(spec, frame_mask)
        map_mask = tf.tile(frame_mask[:, :, None], [1, 1, self.bins])
        x, map_mask = self._stack(ops.cast(spec, self.compute_dtype)[..., None], map_mask)
        shape = ops.shape(x)                                               # [B, T', bins, 2^n]
        x = ops.reshape(x, (shape[0], shape[1], self.bins * x.shape[-1]))
        mask = map_mask[:, :, 0]
        return self._output(x, mask), mask

    def dummy_inputs(self, batch):
        samples = self.frame_step * self.time_reduction() * 2
        return np.random.RandomState(0).randn(batch, samples).astype(np.float32)
