"""ConvRes, the residual downsampling block of the image and audio modality nets (Kaiser et al. 2017,
Sec. 2.5, after Xception's entry flow):

    c1 = ConvStep_f(x);  c2 = c1 + ConvStep_f(c1);  p1 = MaxPool_{3, s}(c2)
    ConvRes(x, f) = p1 + ConvStep_{f, s, k=1}(x)          (a strided pointwise shortcut)

rank=1 pools sequences [B, T, C]; rank=2 feature maps [B, H, W, C]. strides=(2, 1) halves only the
first spatial axis: the spectral audio net uses it so that it never strides along frequency.
"""
import keras

from t2t_mm.layers.conv import ConvStep
from t2t_mm.layers.composite import CompositeLayer


@keras.saving.register_keras_serializable("t2t_mm")
class ConvRes(CompositeLayer):
    def __init__(self, filters, kernel_size=3, strides=2, rank=1, preactivate=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.rank, self.preactivate = int(filters), kernel_size, rank, preactivate
        self.strides = tuple(strides) if isinstance(strides, (list, tuple)) else (strides,) * rank
        self.step1 = ConvStep(filters, kernel_size, rank=rank, preactivate=preactivate, name="step1")
        self.step2 = ConvStep(filters, kernel_size, rank=rank, name="step2")
        pool_cls = keras.layers.MaxPooling1D if rank == 1 else keras.layers.MaxPooling2D
        self.pool = pool_cls(3 if rank == 1 else (3, 3), self.strides if rank == 2 else self.strides[0],
                             padding="same", name="pool")
        self.shortcut = ConvStep(filters, 1, strides=self.strides, rank=rank, preactivate=preactivate,
                                 name="shortcut")

    def call(self, x):
        c1 = self.step1(x)
        c2 = c1 + self.step2(c1)
        return self.pool(c2) + self.shortcut(x)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": list(self.strides), "rank": self.rank, "preactivate": self.preactivate}
