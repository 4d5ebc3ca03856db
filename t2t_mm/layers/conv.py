"""The MultiModel's convolutional building blocks (Kaiser et al. 2017, Sec. 2.2).

ConvStep  = LN(SepConv_{d,s,f}(ReLU(x)))   depthwise separable conv with dilation d, stride s, f filters.
ConvBlock = four ConvSteps; the block input is added to the outputs of the 2nd and 4th step:
    h1 = step1(x); h2 = x + step2(h1); h3 = step3(h2); out = Dropout(x + step4(h3)).

Steps work on sequences [B, T, C] (rank=1) or feature maps [B, H, W, C] (rank=2). Causal padding
(left-padding only, rank 1) keeps position t from seeing t+1: the mixer and decoder need it.
An optional padding mask [B, T] (1 = real, 0 = pad) zeroes padded positions before every conv so
padding never leaks into real positions.

Incremental decoding (causal steps only): step(x [B, 1, C], state) computes the next position from
the last (kernel - 1) * dilation (ReLU'd) inputs kept in `state` ([B, (kernel-1)*dilation, C], zeros
at the start, as the left padding), the same function as call() over the whole prefix.
"""
import keras
import tensorflow as tf
from keras import ops

from t2t_mm.errors import UserError
from t2t_mm.layers.composite import CompositeLayer
from t2t_mm.layers.map_norm import MapLayerNorm
from t2t_mm.layers.position_norm import PositionLayerNorm


def _tuple(value, rank):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * rank


def subsample(x, strides):
    """x[:, ::s0, ::s1, ...] over the spatial axes (a mask [B, T] or [B, H, W] too).

    Each strided axis goes through a pad, a reshape and a slice of contiguous blocks instead of a
    strided slice: on a speech batch's maps the strided slice and its gradient took 10-13 ms each."""
    for axis, stride in enumerate(strides, start=1):
        if stride > 1:
            x = _every_nth(x, axis, stride)
    return x


def _every_nth(x, axis, stride):
    """x's positions 0, stride, 2 * stride, ... along axis: pad the axis to a multiple of stride, fold
    each group of stride positions into the inner block, keep the group's first position's block."""
    shape, rank = tf.shape(x), x.shape.rank
    length = shape[axis]
    kept = (length + stride - 1) // stride
    paddings = [[0, 0]] * axis + [[0, kept * stride - length]] + [[0, 0]] * (rank - axis - 1)
    inner = tf.reduce_prod(shape[axis + 1:])
    grouped = tf.reshape(tf.pad(x, paddings), tf.concat([shape[:axis], [kept, stride * inner]], 0))
    first = tf.slice(grouped, tf.zeros([axis + 2], tf.int32), tf.concat([shape[:axis], [kept, inner]], 0))
    out = tf.reshape(first, tf.concat([shape[:axis], [kept], shape[axis + 1:]], 0))
    static = x.shape.as_list()
    static[axis] = None if static[axis] is None else -(-static[axis] // stride)
    out.set_shape(static)
    return out


def apply_mask(x, mask):
    """x with padded positions zeroed; mask [B, T] broadcast over channels (None: unchanged)."""
    if mask is None:
        return x
    return x * ops.cast(ops.expand_dims(mask, -1), x.dtype)


@keras.saving.register_keras_serializable("t2t_mm")
class ConvStep(CompositeLayer):
    """LN(SepConv(ReLU(x))); preactivate=False skips the ReLU (for raw pixels / waveforms).

    norm="position" normalizes each position over its channels (the shared body's token sequences);
    norm="map" over the example's whole map (the modality nets: t2t_mm.layers.map_norm says why)."""

    NORMS = ("position", "map")

    def __init__(self, filters, kernel_size=3, dilation=1, strides=1, padding="same", rank=1,
                 preactivate=True, norm="position", **kwargs):
        super().__init__(**kwargs)
        if norm not in self.NORMS:
            raise UserError(f"ConvStep norm must be one of {', '.join(self.NORMS)}, got {norm!r}")
        if norm == "map" and padding == "causal":
            raise UserError("ConvStep: norm='map' would let a position see later ones; causal steps "
                            "normalize per position")
        if padding not in ("same", "causal"):
            raise UserError(f"ConvStep padding must be 'same' or 'causal', got {padding!r}")
        if padding == "causal" and rank != 1:
            raise UserError("ConvStep: causal padding exists only for sequences (rank=1)")
        if rank not in (1, 2):
            raise UserError(f"ConvStep rank must be 1 or 2, got {rank}")
        self.filters, self.rank = int(filters), rank
        self.kernel_size = _tuple(kernel_size, rank)
        self.dilation = _tuple(dilation, rank)
        self.strides = _tuple(strides, rank)
        if max(self.dilation) > 1 and max(self.strides) > 1:
            raise UserError("ConvStep: dilation and stride > 1 together are not supported; use one")
        self.padding, self.preactivate = padding, preactivate
        conv_cls = keras.layers.SeparableConv1D if rank == 1 else keras.layers.SeparableConv2D
        # Unequal strides (time-only striding) run unstrided and subsample: TensorFlow's depthwise
        # kernels support only equal strides on some CPUs and dtypes.
        self.subsample = len(set(self.strides)) > 1
        conv_strides = (1,) * rank if self.subsample else self.strides
        self.conv = conv_cls(
            self.filters, self.kernel_size if rank == 2 else self.kernel_size[0],
            strides=conv_strides if rank == 2 else conv_strides[0],
            dilation_rate=self.dilation if rank == 2 else self.dilation[0],
            padding="valid" if padding == "causal" else "same", name="sepconv")
        self.norm_kind = norm
        self.norm = (MapLayerNorm(epsilon=1e-6, name="ln") if norm == "map"
                     else PositionLayerNorm(epsilon=1e-6, name="ln"))

    def call(self, x, padding_mask=None):
        x = apply_mask(x, padding_mask)
        if self.preactivate:
            x = ops.relu(x)
        if self.padding == "causal":
            left = (self.kernel_size[0] - 1) * self.dilation[0]
            x = ops.pad(x, [[0, 0], [left, 0], [0, 0]])
        x = self.conv(x)
        if self.subsample:
            x = subsample(x, self.strides)
        if self.norm_kind != "map":
            return self.norm(x)
        out_mask = padding_mask   # the map statistics count the real positions of the output
        if padding_mask is not None and max(self.strides) > 1:
            out_mask = subsample(padding_mask, self.strides)
        return self.norm(x, out_mask)

    # ---- incremental decoding -------------------------------------------------------------------
    def _check_steppable(self):
        if self.padding != "causal" or max(self.strides) > 1:
            raise UserError("ConvStep.step needs a causal, unstrided step (the decoder's)")

    def init_state(self, batch, width, dtype):
        """Zeros [batch, (kernel - 1) * dilation, width]: the left padding of the first position."""
        self._check_steppable()
        left = (self.kernel_size[0] - 1) * self.dilation[0]
        return ops.zeros((batch, left, width), dtype)

    def step(self, x, state):
        """x [B, 1, C] (the next position), state from init_state/step -> (output [B, 1, filters], state)."""
        self._check_steppable()
        if self.preactivate:
            x = ops.relu(x)
        window = ops.concatenate([state, x], axis=1)            # [B, (k - 1) * d + 1, C]
        taps = window[:, ::self.dilation[0]]                     # the k inputs the kernel reads
        depthwise = ops.cast(self.conv.depthwise_kernel, x.dtype)   # [k, C, multiplier]
        y = ops.einsum("bkc,kcm->bcm", taps, depthwise)
        y = ops.reshape(y, (ops.shape(y)[0], 1, -1))
        y = ops.matmul(y, ops.cast(self.conv.pointwise_kernel[0], x.dtype))
        if self.conv.use_bias:
            y = y + ops.cast(self.conv.bias, x.dtype)
        return self.norm(y), window[:, 1:]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "dilation": list(self.dilation), "strides": list(self.strides), "padding": self.padding,
                "rank": self.rank, "preactivate": self.preactivate, "norm": self.norm_kind}


@keras.saving.register_keras_serializable("t2t_mm")
class ConvBlock(CompositeLayer):
    """Four ConvSteps of width `filters` (= input width) with the paper's two skips, then dropout."""

    def __init__(self, filters, kernel_sizes=(3, 3, 15, 15), dilations=(1, 1, 1, 8), padding="same",
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if len(kernel_sizes) != 4 or len(dilations) != 4:
            raise UserError(f"ConvBlock needs 4 kernel sizes and 4 dilations (hparams conv_kernel_sizes, "
                            f"conv_dilations), got {list(kernel_sizes)} and {list(dilations)}")
        self.filters, self.padding, self.dropout_rate = int(filters), padding, float(dropout)
        self.kernel_sizes, self.dilations = [int(k) for k in kernel_sizes], [int(d) for d in dilations]
        self.steps = [ConvStep(self.filters, k, d, padding=padding, name=f"step{i + 1}")
                      for i, (k, d) in enumerate(zip(self.kernel_sizes, self.dilations))]
        self.dropout = keras.layers.Dropout(self.dropout_rate)

    def call(self, x, padding_mask=None, training=False):
        h1 = self.steps[0](x, padding_mask)
        h2 = x + self.steps[1](h1, padding_mask)
        h3 = self.steps[2](h2, padding_mask)
        out = x + self.steps[3](h3, padding_mask)
        return self.dropout(out, training=training)

    def init_state(self, batch, width, dtype):
        """The four causal steps' input windows (see ConvStep.init_state)."""
        return [step.init_state(batch, width if i == 0 else self.filters, dtype)
                for i, step in enumerate(self.steps)]

    def step(self, x, state):
        """One decoding position (causal blocks, inference): x [B, 1, C] -> (out [B, 1, C], state)."""
        h1, s1 = self.steps[0].step(x, state[0])
        h2, s2 = self.steps[1].step(h1, state[1])
        h2 = x + h2
        h3, s3 = self.steps[2].step(h2, state[2])
        h4, s4 = self.steps[3].step(h3, state[3])
        return x + h4, [s1, s2, s3, s4]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_sizes": self.kernel_sizes,
                "dilations": self.dilations, "padding": self.padding, "dropout": self.dropout_rate}
