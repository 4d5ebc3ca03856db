"""The MultiModel's building blocks: conv steps/blocks, timing signal, attention, sparse MoE."""
from t2t_mm.layers.attention import AttentionBlock, MultiHeadAttention, attention_bias
from t2t_mm.layers.conv import ConvBlock, ConvStep, apply_mask
from t2t_mm.layers.moe import SparseMoE, cv_squared
from t2t_mm.layers.moe_routing import expert_capacity
from t2t_mm.layers.timing import AddTimingSignal, timing_signal

__all__ = ["AttentionBlock", "MultiHeadAttention", "attention_bias", "ConvBlock", "ConvStep",
           "apply_mask", "SparseMoE", "cv_squared", "expert_capacity", "AddTimingSignal",
           "timing_signal"]
