"""ConvRes, the residual downsampling block of the image, audio and class nets (Kaiser et al. 2017,
Sec. 2.5, after Xception's entry flow):

    c1 = ConvStep_f(x);  c2 = ConvStep_f(c1);  p1 = MaxPool_{3, s}(c2)
    ConvRes(x, f) = p1 + ConvStep_{f, k=1, s}(x)          (a strided pointwise shortcut)

as the paper writes it (no inner residual between c1 and c2). rank=1 pools sequences [B, T, C];
rank=2 feature maps [B, H, W, C]. strides=(2, 1) halves only the first spatial axis (the spectral
audio net never strides along frequency); strides=1 keeps the size. The strided pointwise shortcut is
computed as a subsample followed by an unstrided 1x1 step: the same function, and no depthwise kernel
with unequal strides, which some CPUs lack under float16.

An optional mask ([B, T] or [B, H, W], 1 = real) keeps padding out: padded positions are zeroed
before each step and never win the max-pool; the block returns the output and its downsampled mask
(an output position is real when the first input position of its window is). norm is its steps'
normalization (ConvStep: "position" or "map").
"""
import keras
from keras import ops

from t2t_mm.layers.composite import CompositeLayer
from t2t_mm.layers.conv import ConvStep, apply_mask, subsample


@keras.saving.register_keras_serializable("t2t_mm")
class ConvRes(CompositeLayer):
    def __init__(self, filters, kernel_size=3, strides=2, rank=1, preactivate=True, norm="position", **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.rank, self.preactivate = int(filters), kernel_size, rank, preactivate
        self.norm = norm
        self.strides = tuple(strides) if isinstance(strides, (list, tuple)) else (strides,) * rank
        self.step1 = ConvStep(filters, kernel_size, rank=rank, preactivate=preactivate, norm=norm, name="step1")
        self.step2 = ConvStep(filters, kernel_size, rank=rank, norm=norm, name="step2")
        pool_cls = keras.layers.MaxPooling1D if rank == 1 else keras.layers.MaxPooling2D
        self.pool = pool_cls(3 if rank == 1 else (3, 3), self.strides if rank == 2 else self.strides[0],
                             padding="same", name="pool")
        self.shortcut = ConvStep(filters, 1, rank=rank, preactivate=preactivate, norm=norm, name="shortcut")

    def call(self, x, mask=None):
        """-> output, or (output, downsampled mask) when a mask is given."""
        c2 = self.step2(self.step1(x, mask), mask)
        if mask is not None:   # padding must never win the max
            c2 = c2 + ops.cast((ops.expand_dims(mask, -1) - 1.0) * 1e4, c2.dtype)
        out = self.pool(c2) + self.shortcut(subsample(x, self.strides), None if mask is None
                                            else subsample(mask, self.strides))
        if mask is None:
            return out
        out_mask = subsample(mask, self.strides)
        return apply_mask(out, out_mask), out_mask

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": list(self.strides), "rank": self.rank, "preactivate": self.preactivate,
                "norm": self.norm}
