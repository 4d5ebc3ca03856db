"""The step-seeded problem sampler, the mixing modes and the learning-rate schedule."""
import collections

import numpy as np
import pytest

from t2t_mm.errors import UserError
from t2t_mm.training import sampler, schedule
from t2t_mm.hparams import HParams


def test_sampler_is_a_function_of_seed_and_step():
    weights = {"a": 0.5, "b": 0.3, "c": 0.2}
    one, two = sampler.ProblemSampler(weights, 7), sampler.ProblemSampler(dict(reversed(weights.items())), 7)
    draws = [one.problem_at(s) for s in range(300)]
    assert draws == [two.problem_at(s) for s in range(300)]  # every worker agrees
    assert [one.problem_at(s) for s in range(200, 300)] == draws[200:]  # a resumed run continues the sequence
    assert draws != [sampler.ProblemSampler(weights, 8).problem_at(s) for s in range(300)]


def test_sampler_follows_the_weights():
    s = sampler.ProblemSampler({"a": 0.75, "b": 0.25}, 1)
    counts = collections.Counter(s.problem_at(i) for i in range(4000))
    assert abs(counts["a"] / 4000 - 0.75) < 0.03


def test_mixing_modes():
    rates, sizes = {"big": 1.0, "small": 1.0}, {"big": 900, "small": 100}
    assert sampler.mixing_weights(rates, sizes, "uniform") == {"big": 0.5, "small": 0.5}
    assert sampler.mixing_weights(rates, sizes, "proportional")["big"] == pytest.approx(0.9)
    tempered = sampler.mixing_weights(rates, sizes, "temperature", temperature=2.0)
    assert tempered["big"] == pytest.approx(30 / 40)  # sqrt(900) : sqrt(100)
    weighted = sampler.mixing_weights({"big": 1.0, "small": 3.0}, sizes, "uniform")
    assert weighted["small"] == pytest.approx(0.75)
    with pytest.raises(UserError, match="--mixing=sideways"):
        sampler.mixing_weights(rates, sizes, "sideways")
    with pytest.raises(UserError, match="small"):
        sampler.mixing_weights(rates, {"big": 10}, "proportional")


def test_schedule_warms_up_linearly_then_decays_as_rsqrt():
    hp = HParams(learning_rate=2.0, hidden_size=64, learning_rate_warmup_steps=100)
    lr = lambda s: float(schedule.learning_rate(s, hp))
    peak = 2.0 * 10.0 * 64 ** -0.5 * 100 ** -0.5          # 10: T2T's noam scale (5000 / Adam's 500)
    assert lr(100) == pytest.approx(peak, rel=1e-5)
    assert lr(50) == pytest.approx(peak / 2, rel=1e-5)
    assert lr(400) == pytest.approx(peak / 2, rel=1e-5)
    assert lr(1) > 0 and np.all(np.diff([lr(s) for s in range(1, 100)]) > 0)


def test_schedule_without_decay_stays_at_the_peak_after_the_same_warmup():
    decayed = HParams(learning_rate=2.0, hidden_size=64, learning_rate_warmup_steps=100)
    flat = HParams(learning_rate=2.0, hidden_size=64, learning_rate_warmup_steps=100, learning_rate_decay="none")
    lr = lambda s, hp: float(schedule.learning_rate(s, hp))
    assert [lr(s, flat) for s in (1, 50, 100)] == pytest.approx([lr(s, decayed) for s in (1, 50, 100)])
    assert lr(400, flat) == pytest.approx(lr(100, flat)) and lr(5000, flat) == pytest.approx(lr(100, flat))
    assert lr(400, decayed) == pytest.approx(lr(100, decayed) / 2)   # a run recorded without the key: rsqrt


def test_multimodel_base_peaks_where_t2t_multimodel_base_did():
    from t2t_mm import plugins, registry
    plugins.load_all()
    hp = registry.hparams("multimodel_base")
    peak = float(schedule.learning_rate(hp.learning_rate_warmup_steps, hp))
    assert peak == pytest.approx(7e-4, rel=0.02)


def test_text_first_steps_draw_only_the_named_problems_then_the_whole_mixture():
    weights = {"text_a": 1.0, "text_b": 3.0, "speech": 2.0, "image": 4.0}
    first = sampler.ProblemSampler(weights, seed=5, first_steps=300, first_names=("text_a", "text_b"))
    early = [first.problem_at(step) for step in range(300)]
    assert set(early) == {"text_a", "text_b"}
    assert 0.15 < early.count("text_a") / 300 < 0.35           # their own share: 1 / (1 + 3)
    late = [first.problem_at(step) for step in range(300, 1300)]
    assert set(late) == set(weights)
    plain = sampler.ProblemSampler(weights, seed=5)
    assert late == [plain.problem_at(step) for step in range(300, 1300)]   # after it: the same draws
    no_text = sampler.ProblemSampler(weights, seed=5, first_steps=300, first_names=())
    assert [no_text.problem_at(s) for s in range(300)] == [plain.problem_at(s) for s in range(300)]
