"""Which problem a training step runs: drawn from a generator seeded by (seed, step), so every replica and
every worker picks the same problem at the same step without talking (collectives would hang otherwise),
and a resumed run continues the same sequence."""
import numpy as np

from t2t_mm.errors import UserError

MIXING_MODES = ("uniform", "proportional", "temperature")


def mixing_weights(rates, sizes, mode, temperature=2.0):
    """Normalized sampling probabilities {problem: p}.

    rates: {problem: weight} from --problems / a mixture; sizes: {problem: number of training examples}.
    uniform: the mixture's weights as given; proportional: weight * size; temperature: (weight * size)**(1/T)
    (T=1 is proportional, large T tends to uniform; the multilingual-MT recipe for low-resource tasks).
    """
    if mode not in MIXING_MODES:
        raise UserError(f"--mixing={mode} is not known: use one of {', '.join(MIXING_MODES)}")
    if mode == "temperature" and not temperature > 0:
        raise UserError(f"--mixing_temperature={temperature} must be > 0 (1 = proportional, "
                        "larger values flatten towards uniform)")
    names = sorted(rates)
    raw = {}
    for name in names:
        weight = float(rates[name])
        if mode == "uniform":
            raw[name] = weight
            continue
        size = float(sizes.get(name, 0))
        if size <= 0:
            raise UserError(f"--mixing={mode} needs the size of {name}'s training split, which is "
                            "unknown or empty: regenerate its data with mm-datagen or use --mixing=uniform")
        value = weight * size
        raw[name] = value ** (1.0 / temperature) if mode == "temperature" else value
    total = sum(raw.values())
    return {name: raw[name] / total for name in names}


class ProblemSampler:
    """problem_at(step) -> name; a pure function of (seed, step).

    first_steps, first_names: steps 0..first_steps-1 draw only among first_names, with their share of the
    weights (the trainer's text_first_steps); an empty first_names leaves every step to the full mixture."""

    def __init__(self, weights, seed, first_steps=0, first_names=()):
        self.names = sorted(weights)
        self.probs = np.array([weights[n] for n in self.names], dtype=np.float64)
        self.probs /= self.probs.sum()
        self.seed = int(seed)
        first = self.probs * np.isin(self.names, list(first_names))
        self.first_steps = int(first_steps) if first.any() else 0
        self.first_probs = first / first.sum() if self.first_steps else self.probs

    def problem_at(self, step):
        if len(self.names) == 1:
            return self.names[0]
        probs = self.first_probs if int(step) < self.first_steps else self.probs
        rng = np.random.default_rng([self.seed, int(step)])
        return self.names[int(rng.choice(len(self.names), p=probs))]
