"""Top-1 / top-5 accuracy for class targets (ImageNet-style), as running counts over batches."""
import dataclasses

import numpy as np

from t2t_mm.errors import UserError
from t2t_mm.metrics.token import as_numpy


@dataclasses.dataclass
class ClassStats:
    """Hits at k=1 and k=5 over `count` examples; add batches with +."""
    top1: float = 0.0
    top5: float = 0.0
    count: float = 0.0

    def __add__(self, other):
        return ClassStats(self.top1 + other.top1, self.top5 + other.top5, self.count + other.count)

    @property
    def top1_accuracy(self):
        return self.top1 / self.count if self.count else 0.0

    @property
    def top5_accuracy(self):
        return self.top5 / self.count if self.count else 0.0


def _hits_at_k(logits, labels, k):
    """Per example: is the label among the k highest logits? Ties count against the label (strict)."""
    label_logit = np.take_along_axis(logits, labels[:, None], axis=-1)
    higher = (logits > label_logit).sum(axis=-1)
    return higher < k


def _checked(logits, labels):
    logits, labels = as_numpy(logits), as_numpy(labels).astype(np.int64).reshape(-1)
    if logits.ndim != 2 or logits.shape[0] != labels.shape[0]:
        raise UserError(f"class metrics expect logits [B, C] and labels [B]; got {tuple(logits.shape)} "
                        f"and {tuple(labels.shape)}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise UserError(f"class labels must lie in [0, {logits.shape[1]}); got {labels.min()}..{labels.max()}")
    return logits, labels


def top_k_accuracy(logits, labels, k):
    """Fraction of examples whose label is among the top k logits."""
    logits, labels = _checked(logits, labels)
    return float(_hits_at_k(logits, labels, k).mean()) if labels.size else 0.0


def class_stats(logits, labels):
    logits, labels = _checked(logits, labels)
    return ClassStats(top1=float(_hits_at_k(logits, labels, 1).sum()),
                      top5=float(_hits_at_k(logits, labels, 5).sum()), count=float(labels.size))
