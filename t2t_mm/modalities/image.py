"""Image in: Xception's entry flow as the paper writes it (Kaiser et al. 2017, Sec. 2.5):

    h1 = ConvStep_{f=32, s=2}(x);  h2 = ConvStep_{f=64}(h1)
    r1 = ConvRes(h2, 128);    r2 = ConvRes(r1, 256);    out = ConvRes(r2, hidden_size)

(filters from hparams image_filters). The first step strides by 2, as in the paper and Xception, and
each ConvRes halves height and width (stride-2 max-pool plus a strided pointwise shortcut): a 224x224
image becomes 14x14 = 196 encoder positions, a 32x32 one 2x2 (with the tiny sets' two ConvRes: 4x4).
The first step does not ReLU the standardized pixels (that would discard their negative half).
Each step's LayerNorm spans the whole map (hparams modality_norm, t2t_mm.layers.map_norm). The
map is flattened to [B, h*w, d] for the shared body; every position is real (mask of ones).
"""
import numpy as np
import keras
from keras import ops

from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.layers.conv import ConvStep
from t2t_mm.layers.conv_res import ConvRes
from t2t_mm.modalities.base import Modality


@registry.register_modality("image")
@keras.saving.register_keras_serializable("t2t_mm")
class ImageModality(Modality):
    is_input = True

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(hparams, size, **kwargs)
        filters = list(self.hparams["image_filters"])
        if len(filters) < 2:
            raise UserError(f"hparams image_filters needs >= 2 values (two ConvSteps, then ConvRes blocks), "
                            f"got {filters}")
        norm = self.conv_norm()
        self.steps = [ConvStep(filters[0], 3, strides=2, rank=2, preactivate=False, norm=norm, name="entry_step0"),
                      ConvStep(filters[1], 3, rank=2, norm=norm, name="entry_step1")]
        self.blocks = [ConvRes(f, 3, strides=2, rank=2, norm=norm, name=f"entry_res{i}")
                       for i, f in enumerate(filters[2:] + [self.hidden_size])]

    def bottom(self, inputs, training=False):
        if len(inputs.shape) != 4 or inputs.shape[-1] != 3:
            raise UserError(f"the 'image' modality expects float32 images [batch, height, width, 3], "
                            f"got shape {tuple(inputs.shape)}")
        x = ops.cast(inputs, self.compute_dtype)
        for layer in self.steps + self.blocks:
            x = layer(x)
        shape = ops.shape(x)
        x = ops.reshape(x, (shape[0], shape[1] * shape[2], self.hidden_size))
        return x, ops.ones((shape[0], shape[1] * shape[2]), "float32")

    def dummy_inputs(self, batch):
        return np.random.RandomState(0).randn(batch, 16, 16, 3).astype(np.float32)
