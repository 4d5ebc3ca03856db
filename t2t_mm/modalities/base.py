"""The modality-net interface: a domain's input net (bottom) and/or output net (top).

A modality is a Keras layer built from the run's hparams (a dict, so get_config can round-trip it) and
a size (vocab_size for text, num_classes for categories). The MultiModel keeps ONE instance per domain
and calls them through net(x, role=..., training=...) so that variables live under the net's name:
    bottom(inputs, training)   -> (x [B, T, hidden_size], padding_mask float32 [B, T], 1 = real)
    targets_bottom(targets)    -> [B, L, hidden_size]          (text targets only)
    top(decoded, training)     -> float32 logits               (output modalities only)
    dummy_inputs(batch) / dummy_targets(batch): small numpy batches that build every variable.
"""
from t2t_mm.errors import UserError
from t2t_mm.layers.composite import CompositeLayer


class Modality(CompositeLayer):
    is_input = False   # has bottom()
    is_output = False  # has top()

    def __init__(self, hparams, size=0, **kwargs):
        super().__init__(**kwargs)
        self.hparams = dict(hparams)
        self.size = int(size)
        self.hidden_size = int(self.hparams["hidden_size"])

    def conv_norm(self):
        """The modality nets' ConvStep normalization: hparams modality_norm (a Choice in
        hparams_lib.RANGES, so a bad value is refused when the hparams are parsed). Runs recorded before
        the key existed normalized per position."""
        return self.hparams.get("modality_norm", "position")

    def _unsupported(self, what):
        return UserError(f"modality '{self.registered_name}' cannot be used as {what}; pick another "
                         "modality for this problem")

    def bottom(self, inputs, training=False):
        raise self._unsupported("an input modality")

    def targets_bottom(self, targets):
        raise self._unsupported("a text-target modality")

    def top(self, decoded, training=False):
        raise self._unsupported("an output modality")

    def dummy_inputs(self, batch):
        raise self._unsupported("an input modality")

    def dummy_targets(self, batch):
        raise self._unsupported("an output modality")

    def call(self, inputs, role="bottom", training=False):
        """net(x, role=...) runs bottom / targets_bottom / top inside the net's name scope."""
        if role == "bottom":
            return self.bottom(inputs, training=training)
        if role == "targets_bottom":
            return self.targets_bottom(inputs)
        if role == "top":
            return self.top(inputs, training=training)
        raise ValueError(f"unknown modality role {role!r}")

    def get_config(self):
        return {**super().get_config(), "hparams": self.hparams, "size": self.size}
