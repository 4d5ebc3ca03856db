"""Top-1 / top-5 accuracy on hand-made class logits."""
import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.metrics import class_stats, top_k_accuracy

# 7 classes; logits increase with the class id, so the ranking of class c is 7 - c (class 6 is top).
LOGITS = np.tile(np.arange(7, dtype=np.float32), (4, 1))
LABELS = np.array([6, 2, 1, 0])     # ranks 1, 5, 6, 7


def test_top1_and_top5():
    assert top_k_accuracy(LOGITS, LABELS, 1) == pytest.approx(1 / 4)
    assert top_k_accuracy(LOGITS, LABELS, 5) == pytest.approx(2 / 4)
    stats = class_stats(LOGITS[:2], LABELS[:2]) + class_stats(LOGITS[2:], LABELS[2:])
    assert (stats.top1_accuracy, stats.top5_accuracy, stats.count) == (0.25, 0.5, 4)


def test_labels_out_of_range_are_user_errors():
    with pytest.raises(UserError, match="class labels"):
        top_k_accuracy(LOGITS, np.array([7, 0, 0, 0]), 1)
