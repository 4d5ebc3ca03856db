"""Sparsely-gated mixture of experts (Shazeer et al. 2017) with sparse, static-shape dispatch.

Gating (always float32, also under mixed precision):
    H(x)_i = (x W_g)_i + StandardNormal() * (Softplus((x W_noise)_i) + noise_epsilon)   training only
    (noise_epsilon, default 1e-2, keeps the noise scale away from 0; 0 gives the paper's formula)
    G(x)   = Softmax(KeepTopK(H(x), k))                                  softmax over the k kept logits
Balancing loss (times loss_coef):  CV(Importance)^2 + CV(Load)^2,  CV = std / mean over experts,
    Importance_i = sum_x G(x)_i,
    Load_i       = sum_x P(x, i),  P(x, i) = Phi(((x W_g)_i - kth_excluding(H(x), k, i)) / Softplus(..)_i)
    (kth_excluding is the k-th largest noisy logit among the other experts; without noise Load counts
    the tokens routed to each expert).
Dispatch (t2t_mm.layers.moe_routing): every sequence is its own routing group and its pairs queue
at their expert by time position, then choice; a pair past its group's capacity limit is dropped
(counted). Tokens are gathered into [experts, B * C, d], every expert runs as one batched matmul, and
the results are combined weighted by the gates: compute grows with k * capacity_factor, not with the
number of experts. The limits make routing causal for the decoder (causal=True), independent of the
other examples in the batch and of padding, in training as in decoding.
"""
import math

import keras
import tensorflow as tf
from keras import ops

from t2t_mm.errors import UserError
from t2t_mm.layers.moe_routing import assign_slots, step_slots


def cv_squared(values):
    """Squared coefficient of variation (population variance / mean^2) of a float32 vector."""
    values = ops.cast(values, "float32")
    if values.shape[0] == 1:
        return ops.zeros(())
    mean = ops.mean(values)
    return ops.mean(ops.square(values - mean)) / (ops.square(mean) + 1e-10)


def normal_cdf(x):
    return 0.5 * (1.0 + ops.erf(x / math.sqrt(2.0)))


def _read(variable, dtype):
    """The variable's value in dtype; no cast op when it already matches (a cast of the [E, d, h]
    expert weights copied them, about 1 GB per step at 240 experts)."""
    value = variable.value
    return value if value.dtype == dtype else tf.cast(value, dtype)


@tf.custom_gradient
def gather_rows(source, index, back_index):
    """source[index] with index == len(source) giving a zero row. The routing is a partial
    permutation, so the gradient is a gather too: row r of the gradient sums the output rows
    back_index[r, :] (out-of-range entries read a zero row). Gathers both ways, no scatter-add:
    XLA compiled the scatter-add gradients of chained gathers in minutes on CPU, these in seconds."""
    width = tf.shape(source)[1]
    padded = tf.concat([source, tf.zeros([1, width], source.dtype)], axis=0)
    rows = tf.gather(padded, index)

    def grad(upstream):
        upstream = tf.concat([upstream, tf.zeros([1, width], upstream.dtype)], axis=0)
        return tf.reduce_sum(tf.gather(upstream, back_index), axis=1), None, None

    return rows, grad


@keras.saving.register_keras_serializable("t2t_mm")
class SparseMoE(keras.layers.Layer):
    """x [..., d] -> [..., d]: sum over the top-k experts of gate * FFN_e(x) (ReLU FFNs d->h->d)."""

    def __init__(self, num_experts, k, expert_hidden_size, capacity_factor=1.25, loss_coef=1e-2,
                 noisy_gating=True, noise_epsilon=1e-2, seed=None, eval_capacity_factor=None, **kwargs):
        super().__init__(**kwargs)
        if not 1 <= k <= num_experts:
            raise UserError(f"MoE needs 1 <= moe_k <= moe_num_experts, got k={k}, "
                            f"experts={num_experts}: fix --hparams='moe_k=...,moe_num_experts=...'")
        if capacity_factor <= 0:
            raise UserError(f"moe_capacity_factor must be > 0, got {capacity_factor}")
        self.num_experts, self.k, self.expert_hidden_size = int(num_experts), int(k), int(expert_hidden_size)
        self.capacity_factor, self.loss_coef = float(capacity_factor), float(loss_coef)
        self.eval_capacity_factor = float(eval_capacity_factor or capacity_factor)
        self.noisy_gating, self.noise_epsilon, self.seed = bool(noisy_gating), float(noise_epsilon), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        d, e, h = int(input_shape[-1]), self.num_experts, self.expert_hidden_size
        # Shazeer et al. initialize W_g and W_noise to zero: all experts start equally likely.
        self.w_gate = self.add_weight((d, e), "zeros", name="w_gate", autocast=False)
        self.w_noise = self.add_weight((d, e), "zeros", name="w_noise", autocast=False)
        limit_in, limit_out = math.sqrt(6.0 / (d + h)), math.sqrt(6.0 / (h + d))
        self.w_in = self.add_weight((e, d, h), keras.initializers.RandomUniform(-limit_in, limit_in),
                                    name="expert_w_in")
        self.b_in = self.add_weight((e, h), "zeros", name="expert_b_in")
        self.w_out = self.add_weight((e, h, d), keras.initializers.RandomUniform(-limit_out, limit_out),
                                     name="expert_w_out")
        self.b_out = self.add_weight((e, d), "zeros", name="expert_b_out")
        # Metrics of the last call (read by moe_stats() for TensorBoard).
        self.expert_load = self.add_weight((e,), "zeros", name="expert_load", trainable=False,
                                           aggregation="only_first_replica", autocast=False)
        self.dropped_fraction = self.add_weight((), "zeros", name="dropped_fraction", trainable=False,
                                                aggregation="only_first_replica", autocast=False)

    # ---- gating -------------------------------------------------------------------------------
    def gate(self, x, valid, training=False, noise=None):
        """x [N, d], valid [N] -> (gates [N, k], experts [N, k] int32, importance [E], load [E]).
        `noise` [N, E] replaces the StandardNormal() draw (tests check the formulas with it)."""
        e, k = self.num_experts, self.k
        x32 = ops.cast(x, "float32")
        clean = ops.matmul(x32, self.w_gate)
        noisy = self.noisy_gating and training
        if noisy:
            noise_std = ops.softplus(ops.matmul(x32, self.w_noise)) + self.noise_epsilon
            if noise is None:
                noise = keras.random.normal(ops.shape(clean), seed=self.seed_generator)
            logits = clean + ops.cast(noise, "float32") * noise_std
        else:
            logits = clean
        top_logits, top_experts = tf.math.top_k(logits, k=min(k + 1, e))
        gates = tf.nn.softmax(top_logits[:, :k], axis=-1) * valid[:, None]
        experts = tf.cast(top_experts[:, :k], tf.int32)
        importance = tf.math.unsorted_segment_sum(tf.reshape(gates, [-1]), tf.reshape(experts, [-1]), e)
        if noisy and k < e:
            threshold_if_in = top_logits[:, k:k + 1]                    # (k+1)-th largest
            threshold_if_out = top_logits[:, k - 1:k]                   # k-th largest
            is_in = logits > threshold_if_in
            threshold = ops.where(is_in, threshold_if_in, threshold_if_out)
            prob = normal_cdf((clean - threshold) / noise_std)
            load = ops.sum(prob * valid[:, None], axis=0)
        else:
            routed = tf.math.unsorted_segment_sum(tf.reshape(tf.tile(valid[:, None], [1, k]), [-1]),
                                                  tf.reshape(experts, [-1]), e)
            load = ops.stop_gradient(routed)
        return gates, experts, importance, load

    # ---- dispatch / combine -------------------------------------------------------------------
    def dispatch(self, x, gates, experts, valid, capacity_factor, causal=False):
        """x [B, T, d], gates/experts [B, T, k], valid [B, T] -> (combined [B*T, d], dropped pairs,
        routed pairs per expert [E])."""
        e, k, d = self.num_experts, self.k, x.shape[-1]
        slot, keep, capacity, routed = assign_slots(experts, valid, e, capacity_factor, causal)
        flat = tf.reshape(x, [-1, d])
        n = tf.shape(flat)[0]
        pairs = n * k
        overflow = e * tf.shape(x)[0] * capacity
        pair = tf.range(pairs, dtype=tf.int32)
        slot_pair = tf.scatter_nd(slot[:, None], pair + 1, [overflow + 1])[:overflow] - 1
        slot_pair = tf.where(slot_pair < 0, pairs, slot_pair)           # empty slot -> zero row
        slot_token = tf.where(slot_pair < pairs, slot_pair // k, n)     # pair t*k + j belongs to token t
        token_slots = tf.reshape(slot, [-1, k])                          # [N, k]: the slots of each token
        expert_in = tf.reshape(gather_rows(flat, slot_token, token_slots), [e, -1, d])
        w_in, b_in, w_out, b_out = (_read(w, x.dtype) for w in (self.w_in, self.b_in, self.w_out, self.b_out))
        # batched matmuls (not einsum: its graph-mode gradient transposed the [E, d, h] weights, ~2x slower)
        hidden = tf.nn.relu(tf.matmul(expert_in, w_in) + b_in[:, None, :])
        expert_out = tf.matmul(hidden, w_out) + b_out[:, None, :]
        weight = tf.reshape(gates, [-1]) * tf.cast(keep, tf.float32)
        per_choice = gather_rows(tf.reshape(expert_out, [-1, d]), slot, slot_pair[:, None])
        per_choice = per_choice * tf.cast(weight, x.dtype)[:, None]
        combined = tf.reduce_sum(tf.reshape(per_choice, [-1, k, d]), axis=1)
        pair_valid = tf.reshape(tf.tile(valid[:, :, None], [1, 1, k]), [-1])
        dropped = tf.reduce_sum(pair_valid * (1.0 - tf.cast(keep, tf.float32)))
        return combined, dropped, routed

    def call(self, x, padding_mask=None, training=False, causal=False):
        """x [B, T, d] (or [N, d]: one group); causal=True for decoder positions (see moe_routing)."""
        d = x.shape[-1]
        seq = x if len(x.shape) == 3 else ops.reshape(x, (1, -1, d))
        shape = ops.shape(seq)
        valid = (ops.ones(shape[:2], "float32") if padding_mask is None
                 else ops.cast(ops.reshape(padding_mask, shape[:2]), "float32"))
        flat_valid = ops.reshape(valid, (-1,))
        gates, experts, importance, load = self.gate(ops.reshape(seq, (-1, d)), flat_valid, training)
        factor = self.capacity_factor if training else self.eval_capacity_factor
        combined, dropped, routed = self.dispatch(
            seq, ops.reshape(gates, (shape[0], shape[1], self.k)),
            ops.reshape(experts, (shape[0], shape[1], self.k)), valid, factor, causal)
        self.add_loss(self.loss_coef * (cv_squared(importance) + cv_squared(load)))
        pairs = ops.maximum(ops.sum(valid) * self.k, 1.0)
        self.expert_load.assign(routed / pairs)
        self.dropped_fraction.assign(dropped / pairs)
        return ops.reshape(combined, ops.shape(x))

    # ---- incremental decoding ------------------------------------------------------------------
    def init_state(self, batch):
        """Per-group expert counts [B, E] int32 for step(): no pair queued yet."""
        return tf.zeros([batch, self.num_experts], tf.int32)

    def step(self, x, valid, counts, position):
        """One new causal position per group at inference (call(causal=True, training=False) over
        the prefix, restricted to its last position): x [B, 1, d], valid [B] (0 = padding),
        counts from init_state/step -> (out [B, 1, d], counts). The chosen experts' weights are
        gathered per token; no losses or metrics are recorded."""
        d = x.shape[-1]
        flat = tf.reshape(x, [-1, d])
        valid = tf.cast(tf.reshape(valid, [-1]), tf.float32)
        gates, experts, _, _ = self.gate(flat, valid, training=False)
        keep, counts = step_slots(experts, valid, counts, position, self.num_experts,
                                  self.eval_capacity_factor)
        w_in, b_in, w_out, b_out = (tf.gather(_read(w, x.dtype), experts)
                                    for w in (self.w_in, self.b_in, self.w_out, self.b_out))
        hidden = tf.nn.relu(tf.einsum("nd,nkdh->nkh", flat, w_in) + b_in)
        expert_out = tf.einsum("nkh,nkhd->nkd", hidden, w_out) + b_out
        weight = tf.cast(gates * tf.cast(keep, tf.float32), x.dtype)
        combined = tf.reduce_sum(expert_out * weight[:, :, None], axis=1)
        return tf.reshape(combined, tf.shape(x)), counts

    def get_config(self):
        return {**super().get_config(), "num_experts": self.num_experts, "k": self.k,
                "expert_hidden_size": self.expert_hidden_size, "capacity_factor": self.capacity_factor,
                "loss_coef": self.loss_coef, "noisy_gating": self.noisy_gating,
                "noise_epsilon": self.noise_epsilon, "seed": self.seed,
                "eval_capacity_factor": self.eval_capacity_factor}
