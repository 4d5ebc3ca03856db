"""Slot assignment for the sparse MoE: which (token, choice) pairs an expert serves, in static shapes.

Each sequence of the batch is its own routing group, and inside a group the pairs queue at their
expert by time position first, then by choice (token-major order). So a pair's slot depends only on
pairs at earlier or equal positions of the same sequence: no later target token can take an earlier
token's slot (decoder causality holds in training), no other example of the batch can either (an
example decodes the same alone or in a batch), and padding never queues (padding invariance).

A pair at position t of a group is kept while its rank at its expert is below the group's limit:
    causal:      limit(t) = ceil(capacity_factor * k * (t + 1) / E)   (what a decoder that has seen
                 t + 1 tokens allows; the same in training and in step-by-step decoding)
    non-causal:  limit    = ceil(capacity_factor * k * real_tokens / E)   (real tokens, not padding)
Every limit is at most the static per-group buffer C = min(T, ceil(capacity_factor * k * T / E)).
"""
import math

import tensorflow as tf


def expert_capacity(num_tokens, num_experts, k, capacity_factor):
    """Slots per expert for a group of num_tokens; a Python int for a static count (XLA), else a tensor."""
    if isinstance(num_tokens, int):
        return max(1, min(num_tokens, math.ceil(capacity_factor * k * num_tokens / num_experts)))
    n = tf.cast(num_tokens, tf.float32)
    cap = tf.cast(tf.math.ceil(capacity_factor * k * n / num_experts), tf.int32)
    return tf.maximum(1, tf.minimum(tf.cast(num_tokens, tf.int32), cap))


def positions_in_expert(group_keys, num_keys):
    """Arrival rank of each pair among the pairs with the same key (flat order = arrival order), and
    the count per key. A stable sort groups the pairs: O(n log n), where a cumsum over a
    [pairs, keys] one-hot cost 40x more at 240 experts."""
    order = tf.argsort(group_keys, stable=True)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(group_keys), group_keys, num_keys)
    starts = tf.cumsum(counts, exclusive=True)
    rank = tf.range(tf.shape(group_keys)[0], dtype=tf.int32) - tf.gather(starts, tf.gather(group_keys, order))
    return tf.scatter_nd(order[:, None], rank, tf.shape(group_keys)), counts


def assign_slots(experts, valid, num_experts, capacity_factor, causal):
    """experts [B, T, k] int32, valid [B, T] float -> (slot [B*T*k] int32 (overflow = E*B*C for a
    dropped or padding pair), keep [B*T*k] bool, capacity C, routed count per expert [E] float32).
    Slots are expert-major: slot = expert * (B * C) + group * C + rank."""
    shape = tf.shape(experts)
    batch, length, k = shape[0], shape[1], experts.shape[-1]
    static_length = experts.shape[1]
    capacity = expert_capacity(static_length if static_length is not None else length, num_experts, k,
                               capacity_factor)
    flat_experts = tf.reshape(experts, [-1])
    pair_valid = tf.reshape(tf.tile(valid[:, :, None] > 0, [1, 1, k]), [-1])
    group = tf.reshape(tf.tile(tf.range(batch)[:, None, None], [1, length, k]), [-1])
    key = group * (num_experts + 1) + tf.where(pair_valid, flat_experts, num_experts)   # padding last
    rank, _ = positions_in_expert(key, batch * (num_experts + 1))
    if causal:
        position = tf.reshape(tf.tile(tf.range(length)[None, :, None], [batch, 1, k]), [-1])
        limit = tf.math.ceil(capacity_factor * k * tf.cast(position + 1, tf.float32) / num_experts)
    else:
        real = tf.reduce_sum(tf.cast(valid > 0, tf.float32), axis=1)                       # [B]
        limit = tf.gather(tf.math.ceil(capacity_factor * k * real / num_experts), group)
    limit = tf.minimum(tf.cast(limit, tf.int32), capacity)
    keep = tf.logical_and(pair_valid, rank < limit)
    overflow = num_experts * batch * capacity
    slot = tf.where(keep, flat_experts * (batch * capacity) + group * capacity + rank, overflow)
    routed = tf.math.unsorted_segment_sum(tf.cast(pair_valid, tf.float32), flat_experts, num_experts)
    return slot, keep, capacity, routed


def step_slots(experts, valid, counts, position, num_experts, capacity_factor):
    """assign_slots' keep decision for ONE new causal position of each group, for incremental
    decoding: experts [B, k] int32 (distinct per token), valid [B] float, counts [B, E] int32 = the
    valid pairs that queued at each expert of each group at earlier positions (kept or dropped),
    position scalar -> (keep [B, k] bool, updated counts). The new pair's rank is the count before it,
    and its limit is the causal limit(position), so the step drops exactly the pairs that
    assign_slots(causal=True) drops in the full-prefix pass (whose buffer C never binds: rank <= t < T
    and limit(t) <= C)."""
    k = experts.shape[-1]
    rank = tf.gather(counts, experts, batch_dims=1)                                    # [B, k]
    limit = tf.math.ceil(capacity_factor * k * tf.cast(position + 1, tf.float32) / num_experts)
    pair_valid = tf.tile(valid[:, None] > 0, [1, k])
    keep = tf.logical_and(pair_valid, rank < tf.cast(limit, tf.int32))
    arrived = tf.one_hot(experts, num_experts, dtype=tf.int32) * tf.cast(pair_valid, tf.int32)[:, :, None]
    return keep, counts + tf.reduce_sum(arrived, axis=1)
