"""Multi-head dot-product attention and the MultiModel's attention block (Kaiser et al. 2017, Sec. 2.3).

AttentionBlock(targets, source):
    q = SelfAttention(ConvBlock(ConvBlock(targets + timing)))       causal when targets are decoded
    k, v = PointwiseConv_k(source + timing), PointwiseConv_v(source)  the source's two pointwise convs
    out = MultiHeadAttention(q, k, v)                                 masked where the source is padding
The keys carry the source's positions (as Tensor2Tensor's MultiModel added a timing signal to the
encoder output): without them the queries, which know target positions, could find source tokens only
by content, and a word repeated in the source would be ambiguous. Softmax runs in float32 so mixed
precision cannot overflow the -1e9 mask bias.
"""
import keras
import tensorflow as tf
from keras import ops

from t2t_mm.errors import UserError
from t2t_mm.layers.conv import ConvBlock
from t2t_mm.layers.timing import AddTimingSignal, timing_signal_at
from t2t_mm.layers.composite import CompositeLayer

NEG_INF = -1e9


def attention_bias(key_mask=None, query_length=None, key_length=None, causal=False):
    """Additive float32 bias broadcastable to [B, heads, Tq, Tk]: -1e9 on padded keys / future keys."""
    bias = 0.0
    if key_mask is not None:
        bias = (1.0 - ops.cast(key_mask, "float32"))[:, None, None, :] * NEG_INF
    if causal:
        q = ops.arange(query_length)[:, None]
        k = ops.arange(key_length)[None, :]
        bias = bias + ops.cast(k > q, "float32")[None, None] * NEG_INF
    return bias


@keras.saving.register_keras_serializable("t2t_mm")
class MultiHeadAttention(CompositeLayer):
    """Scaled dot-product attention with `num_heads` heads, learned q/k/v/output projections."""

    def __init__(self, hidden_size, num_heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if hidden_size % num_heads:
            raise UserError(f"hidden_size={hidden_size} must be divisible by num_heads={num_heads} "
                            "(set --hparams='num_heads=...')")
        self.hidden_size, self.num_heads, self.dropout_rate = hidden_size, num_heads, float(dropout)
        self.q_proj = keras.layers.Dense(hidden_size, use_bias=False, name="q")
        self.k_proj = keras.layers.Dense(hidden_size, use_bias=False, name="k")
        self.v_proj = keras.layers.Dense(hidden_size, use_bias=False, name="v")
        self.out_proj = keras.layers.Dense(hidden_size, use_bias=False, name="output")
        self.dropout = keras.layers.Dropout(self.dropout_rate)

    def _split(self, x):
        b, t = ops.shape(x)[0], ops.shape(x)[1]
        x = ops.reshape(x, (b, t, self.num_heads, self.hidden_size // self.num_heads))
        return ops.transpose(x, (0, 2, 1, 3))

    def call(self, queries, keys, values, key_mask=None, causal=False, training=False):
        """key_mask [B, Tk] (1 = real key); causal hides keys after each query position. The -1e9
        bias is built here in float32 (a bias passed in would be autocast to float16: -inf)."""
        bias = attention_bias(key_mask, ops.shape(queries)[1], ops.shape(keys)[1], causal)
        k, v = self.project_keys_values(keys, values)
        return self.attend(queries, k, v, bias, training=training)

    def project_keys_values(self, keys, values):
        """The heads' keys and values [B, heads, Tk, depth] (what a decoder caches)."""
        return self._split(self.k_proj(keys)), self._split(self.v_proj(values))

    def attend(self, queries, k, v, bias, training=False):
        """queries [B, Tq, C] over projected heads k, v with an additive float32 bias -> [B, Tq, C]."""
        q = self._split(self.q_proj(queries))
        scale = (self.hidden_size // self.num_heads) ** -0.5
        logits = ops.cast(ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))), "float32") * scale + bias
        weights = ops.cast(tf.nn.softmax(logits, axis=-1), v.dtype)  # (keras warns on 1 key)
        weights = self.dropout(weights, training=training)
        out = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3))
        b, t = ops.shape(out)[0], ops.shape(out)[1]
        return self.out_proj(ops.reshape(out, (b, t, self.hidden_size)))

    def init_state(self, batch, max_length, dtype):
        """Causal self-attention's cache: keys and values [B, heads, max_length, depth], zeros."""
        shape = (batch, self.num_heads, max_length, self.hidden_size // self.num_heads)
        return {"keys": ops.zeros(shape, dtype), "values": ops.zeros(shape, dtype)}

    def step(self, x, state, position):
        """Causal self-attention of one new position x [B, 1, C] at `position` over the cached keys
        and values of positions <= position (its own written in) -> (out [B, 1, C], state)."""
        k_new, v_new = self.project_keys_values(x, x)
        length = ops.shape(state["keys"])[2]
        here = ops.arange(length) == position                         # [L]
        keys = ops.where(here[None, None, :, None], k_new, state["keys"])
        values = ops.where(here[None, None, :, None], v_new, state["values"])
        bias = ops.cast(ops.arange(length) > position, "float32")[None, None, None, :] * NEG_INF
        return self.attend(x, keys, values, bias), {"keys": keys, "values": values}

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size, "num_heads": self.num_heads,
                "dropout": self.dropout_rate}


@keras.saving.register_keras_serializable("t2t_mm")
class AttentionBlock(CompositeLayer):
    """The paper's attention block; causal=True for decoded targets (conv padding and self-attention)."""

    def __init__(self, hidden_size, num_heads, kernel_sizes, dilations, causal=False, dropout=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.hidden_size, self.num_heads, self.causal = hidden_size, num_heads, causal
        self.kernel_sizes, self.dilations, self.dropout_rate = list(kernel_sizes), list(dilations), dropout
        padding = "causal" if causal else "same"
        self.timing = AddTimingSignal(name="timing")   # no weights: serves targets and source alike
        self.conv_blocks = [ConvBlock(hidden_size, kernel_sizes, dilations, padding, dropout,
                                      name=f"target_conv{i}") for i in range(2)]
        self.self_attention = MultiHeadAttention(hidden_size, num_heads, dropout, name="self_attention")
        self.source_keys = keras.layers.Dense(hidden_size, name="source_keys")
        self.source_values = keras.layers.Dense(hidden_size, name="source_values")
        self.attention = MultiHeadAttention(hidden_size, num_heads, dropout, name="source_attention")

    def call(self, targets, source, source_mask=None, target_mask=None, training=False):
        x = self.timing(targets)
        for block in self.conv_blocks:
            x = block(x, None if self.causal else target_mask, training=training)
        queries = self.self_attention(x, x, x, None if self.causal else target_mask, causal=self.causal,
                                      training=training)
        keys = self.source_keys(self.timing(source))
        return self.attention(queries, keys, self.source_values(source), source_mask,
                              training=training)

    # ---- incremental decoding (causal blocks, inference) --------------------------------------
    def source_cache(self, source):
        """The source's projected attention keys and values, computed once per decode."""
        k, v = self.attention.project_keys_values(self.source_keys(self.timing(source)),
                                                  self.source_values(source))
        return {"keys": k, "values": v}

    def init_state(self, batch, max_length, dtype):
        return {"conv": [block.init_state(batch, self.hidden_size, dtype) for block in self.conv_blocks],
                "self_attention": self.self_attention.init_state(batch, max_length, dtype)}

    def step(self, target, position, state, source, source_mask=None):
        """call() for the one new target position target [B, 1, C] at `position`: source is
        source_cache(...), state from init_state/step -> (out [B, 1, C], state)."""
        x = target + timing_signal_at(position, target.shape[-1], target.dtype)[None, None, :]
        conv_states = []
        for block, block_state in zip(self.conv_blocks, state["conv"]):
            x, block_state = block.step(x, block_state)
            conv_states.append(block_state)
        queries, attention_state = self.self_attention.step(x, state["self_attention"], position)
        bias = attention_bias(source_mask, 1, ops.shape(source["keys"])[2])
        out = self.attention.attend(queries, source["keys"], source["values"], bias)
        return out, {"conv": conv_states, "self_attention": attention_state}

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size, "num_heads": self.num_heads,
                "kernel_sizes": self.kernel_sizes, "dilations": self.dilations, "causal": self.causal,
                "dropout": self.dropout_rate}
