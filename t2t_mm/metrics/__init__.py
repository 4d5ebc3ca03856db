"""Evaluation metrics: per-token accuracy and log-perplexity, top-k for classes, sacreBLEU, WER/CER,
exact-tree rate and bracket F1. Each module computes one family; the trainer's eval and mm-decoder use
the same functions so the figures they print agree."""
from t2t_mm.metrics.token import TokenStats, log_perplexity, padded_accuracy, token_stats
from t2t_mm.metrics.classes import ClassStats, class_stats, top_k_accuracy
from t2t_mm.metrics.bleu import BleuResult, corpus_bleu
from t2t_mm.metrics.edit_distance import cer, edit_distance, error_rate, wer
from t2t_mm.metrics.parsing import bracket_f1, exact_tree_rate, parse_scores

__all__ = [
    "TokenStats", "token_stats", "padded_accuracy", "log_perplexity",
    "ClassStats", "class_stats", "top_k_accuracy",
    "BleuResult", "corpus_bleu",
    "edit_distance", "error_rate", "wer", "cer",
    "parse_scores", "bracket_f1", "exact_tree_rate",
]
