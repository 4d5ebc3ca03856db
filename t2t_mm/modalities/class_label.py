"""Categories out: Xception's exit flow over the encoder's feature map, global average pooling, linear
to the classes (Kaiser et al. 2017, Sec. 2.5):

    ConvRes(x, f0) -> ConvStep_{f1} -> ConvStep_{f2} -> ReLU -> mean over real positions -> Dense(classes)

with [f0, f1, f2] = hparams class_exit_filters (Xception: 1024, 1536, 2048). The MultiModel hands it
(feature map [B, H, W, d], mask [B, H, W]): the image's grid for image inputs, a sequence as H x 1
otherwise; padded positions are kept out of the convolutions and the pooling. Logits are float32 [B, C].
"""
import numpy as np
import keras
from keras import ops

from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.layers.conv import ConvStep, apply_mask
from t2t_mm.layers.conv_res import ConvRes
from t2t_mm.modalities.base import Modality


@registry.register_modality("class_label")
@keras.saving.register_keras_serializable("t2t_mm")
class ClassLabelModality(Modality):
    is_output = True

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(hparams, size, **kwargs)
        if self.size < 2:
            raise UserError(f"the 'class_label' modality needs num_classes >= 2 in the problem's spec, "
                            f"got {self.size}")
        filters = list(self.hparams["class_exit_filters"])
        if len(filters) != 3:
            raise UserError(f"hparams class_exit_filters needs 3 values (ConvRes, ConvStep, ConvStep), "
                            f"got {filters}")
        norm = self.conv_norm()
        self.res = ConvRes(filters[0], 3, strides=2, rank=2, norm=norm, name="exit_res")
        self.steps = [ConvStep(f, 3, rank=2, norm=norm, name=f"exit_step{i}") for i, f in enumerate(filters[1:])]
        self.logits = keras.layers.Dense(self.size, name="logits")

    def top(self, feature_map, training=False):
        x, mask = feature_map
        mask = ops.cast(mask, "float32")
        x, mask = self.res(x, mask)
        for step in self.steps:
            x = step(x, mask)
        weights = ops.cast(mask[..., None], x.dtype)
        total = ops.sum(apply_mask(ops.relu(x), mask), axis=(1, 2))
        pooled = total / ops.maximum(ops.sum(weights, axis=(1, 2)), ops.cast(1.0, x.dtype))
        return ops.cast(self.logits(pooled), "float32")

    def dummy_targets(self, batch):
        return np.arange(batch, dtype=np.int32) % self.size
