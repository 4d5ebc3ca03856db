"""The MultiModel's modality-independent body (Kaiser et al. 2017, Sec. 2.4): encoder, I/O mixer, decoder.

    encoded = Encoder(x):  encoder_blocks ConvBlocks, x + MoE(x) after the middle block
    mixed   = Mixer(shifted targets, encoded): AttentionBlock(shifted, encoded), concatenated with the
              shifted targets, projected to hidden_size, then mixer_blocks causal ConvBlocks
    decoded = Decoder(mixed, encoded): decoder_blocks times [causal ConvBlock, + AttentionBlock over
              the encoder], x + MoE(x) after the middle block
With use_attention=False (the paper's ablation) the mixer and decoder get the masked mean of the
encoder output instead of attention, so the input still reaches the output. Each MoE layer adds its
balancing loss (times moe_loss_coef) with add_loss.
"""
import keras
from keras import ops

from t2t_mm.layers.attention import AttentionBlock
from t2t_mm.layers.composite import CompositeLayer
from t2t_mm.layers.conv import ConvBlock, apply_mask
from t2t_mm.layers.moe import SparseMoE


def masked_mean(x, mask):
    """[B, T, C], [B, T] -> [B, 1, C]: mean over the real positions."""
    weights = ops.cast(mask, x.dtype)[..., None]
    return ops.sum(x * weights, axis=1, keepdims=True) / ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1)


class _Stack(CompositeLayer):
    """Shared plumbing: conv blocks from hparams, an optional MoE placed after the middle block."""

    def __init__(self, hparams, num_blocks, padding, **kwargs):
        super().__init__(**kwargs)
        self.hparams = dict(hparams)
        hp = self.hparams
        self.num_blocks = int(num_blocks)
        self.conv_blocks = [ConvBlock(hp["hidden_size"], hp["conv_kernel_sizes"], hp["conv_dilations"],
                                      padding, hp["dropout"], name=f"conv_block{i}")
                            for i in range(self.num_blocks)]
        self.moe_after = max(self.num_blocks // 2 - 1, 0)

    def _make_moe(self):
        hp = self.hparams
        if not hp["use_moe"]:
            return None
        return SparseMoE(hp["moe_num_experts"], hp["moe_k"], hp["moe_hidden_size"],
                         hp["moe_capacity_factor"], hp["moe_loss_coef"],
                         eval_capacity_factor=hp["moe_eval_capacity_factor"], name="moe")

    def _attention_block(self, causal, name):
        hp = self.hparams
        if not hp["use_attention"]:
            return None
        return AttentionBlock(hp["hidden_size"], hp["num_heads"], hp["conv_kernel_sizes"],
                              hp["conv_dilations"], causal=causal, dropout=hp["dropout"], name=name)

    def get_config(self):
        return {**super().get_config(), "hparams": self.hparams}


class Encoder(_Stack):
    def __init__(self, hparams, **kwargs):
        super().__init__(hparams, hparams["encoder_blocks"], "same", **kwargs)
        self.moe = self._make_moe()

    def call(self, x, padding_mask, training=False):
        for i, block in enumerate(self.conv_blocks):
            x = block(x, padding_mask, training=training)
            if self.moe is not None and i == self.moe_after:
                x = x + self.moe(x, padding_mask, training=training)
        return apply_mask(x, padding_mask)


class Mixer(_Stack):
    def __init__(self, hparams, **kwargs):
        super().__init__(hparams, hparams["mixer_blocks"], "causal", **kwargs)
        self.attention = self._attention_block(causal=True, name="attention")
        self.merge = keras.layers.Dense(self.hparams["hidden_size"], name="merge")

    def call(self, shifted, encoded, encoded_mask, training=False):
        if self.attention is not None:
            context = self.attention(shifted, encoded, encoded_mask, training=training)
        else:
            context = ops.broadcast_to(masked_mean(encoded, encoded_mask), ops.shape(shifted))
        x = self.merge(ops.concatenate([context, shifted], axis=-1))
        for block in self.conv_blocks:
            x = block(x, training=training)
        return x

    # ---- incremental decoding (inference): one target position per step -------------------------
    def source_cache(self, encoded, encoded_mask):
        if self.attention is not None:
            return {"attention": self.attention.source_cache(encoded)}
        return {"summary": masked_mean(encoded, encoded_mask)}

    def init_state(self, batch, max_length, dtype):
        width = self.hparams["hidden_size"]
        return {"attention": (self.attention.init_state(batch, max_length, dtype)
                              if self.attention is not None else {}),
                "conv": [block.init_state(batch, width, dtype) for block in self.conv_blocks]}

    def step(self, shifted, position, state, source, encoded_mask):
        """call() at position `position` alone: shifted [B, 1, C] -> (x [B, 1, C], state)."""
        attention_state = state["attention"]
        if self.attention is not None:
            context, attention_state = self.attention.step(shifted, position, attention_state,
                                                           source["attention"], encoded_mask)
        else:
            context = source["summary"]
        x = self.merge(ops.concatenate([context, shifted], axis=-1))
        conv_states = []
        for block, block_state in zip(self.conv_blocks, state["conv"]):
            x, block_state = block.step(x, block_state)
            conv_states.append(block_state)
        return x, {"attention": attention_state, "conv": conv_states}


class Decoder(_Stack):
    def __init__(self, hparams, **kwargs):
        super().__init__(hparams, hparams["decoder_blocks"], "causal", **kwargs)
        self.attention_blocks = [self._attention_block(causal=True, name=f"attention{i}")
                                 for i in range(self.num_blocks)]
        self.moe = self._make_moe()

    def call(self, x, encoded, encoded_mask, target_mask, training=False):
        summary = None if self.hparams["use_attention"] else masked_mean(encoded, encoded_mask)
        for i, block in enumerate(self.conv_blocks):
            x = block(x, training=training)
            if self.attention_blocks[i] is not None:
                x = x + self.attention_blocks[i](x, encoded, encoded_mask, training=training)
            else:
                x = x + summary
            if self.moe is not None and i == self.moe_after:
                x = x + self.moe(x, target_mask, training=training, causal=True)
        return x

    # ---- incremental decoding (inference): one target position per step -------------------------
    def source_cache(self, encoded, encoded_mask):
        if self.hparams["use_attention"]:
            return {"attention": [block.source_cache(encoded) for block in self.attention_blocks]}
        return {"summary": masked_mean(encoded, encoded_mask)}

    def init_state(self, batch, max_length, dtype):
        width = self.hparams["hidden_size"]
        return {"conv": [block.init_state(batch, width, dtype) for block in self.conv_blocks],
                "attention": [block.init_state(batch, max_length, dtype)
                              for block in self.attention_blocks if block is not None],
                "moe": self.moe.init_state(batch) if self.moe is not None else {}}

    def step(self, x, position, valid, state, source, encoded_mask):
        """call() at position `position` alone: x [B, 1, C], valid [B] (the target mask there)
        -> (decoded [B, 1, C], state). The MoE routes as call(causal=True) does (moe_routing.step_slots)."""
        conv_states, attention_states, moe_state = [], [], state["moe"]
        for i, block in enumerate(self.conv_blocks):
            x, block_state = block.step(x, state["conv"][i])
            conv_states.append(block_state)
            if self.attention_blocks[i] is not None:
                out, attention_state = self.attention_blocks[i].step(
                    x, position, state["attention"][i], source["attention"][i], encoded_mask)
                attention_states.append(attention_state)
                x = x + out
            else:
                x = x + source["summary"]
            if self.moe is not None and i == self.moe_after:
                out, moe_state = self.moe.step(x, valid, moe_state, position)
                x = x + out
        return x, {"conv": conv_states, "attention": attention_states, "moe": moe_state}
