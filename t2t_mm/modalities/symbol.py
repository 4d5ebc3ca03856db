"""Language in and out over the ONE shared subword vocabulary (Kaiser et al. 2017, Sec. 2.5).

In: embedding * sqrt(hidden_size), padding (id 0) zeroed and masked. Out: a linear map to the
vocabulary (softmax is applied by the loss / the decoder); with hparams tie_symbol_weights the output
matrix is the transposed embedding table.
"""
import numpy as np
import keras
from keras import ops

from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.modalities.base import Modality


@registry.register_modality("symbol")
@keras.saving.register_keras_serializable("t2t_mm")
class SymbolModality(Modality):
    is_input = True
    is_output = True

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(hparams, size, **kwargs)
        if self.size < 2:
            raise UserError(f"the 'symbol' modality needs the shared vocabulary size (>= 2), got {self.size}: "
                            "the problem's spec must set vocab_size (run mm-datagen to build the vocabulary)")
        self.tied = bool(self.hparams["tie_symbol_weights"])
        self.embedding = keras.layers.Embedding(
            self.size, self.hidden_size, name="embedding",
            embeddings_initializer=keras.initializers.RandomNormal(stddev=self.hidden_size ** -0.5))
        self.softmax = None if self.tied else keras.layers.Dense(self.size, name="softmax")

    def _embed(self, ids):
        return self.embedding(ids) * ops.cast(self.hidden_size ** 0.5, self.compute_dtype)

    def bottom(self, inputs, training=False):
        mask = ops.cast(ops.not_equal(inputs, 0), "float32")
        x = self._embed(inputs) * ops.cast(mask[..., None], self.compute_dtype)
        return x, mask

    def targets_bottom(self, targets):
        return self._embed(targets)

    def top(self, decoded, training=False):
        if self.tied:
            if not self.embedding.built:
                self.embedding.build((None,))
            logits = ops.matmul(decoded, ops.transpose(ops.cast(self.embedding.embeddings, decoded.dtype)))
        else:
            logits = self.softmax(decoded)
        return ops.cast(logits, "float32")

    def dummy_inputs(self, batch):
        return np.tile(np.array([[min(2, self.size - 1), 1, 0]], np.int32), (batch, 1))

    dummy_targets = dummy_inputs
