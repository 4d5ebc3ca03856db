"""Tests that fail when the model stops learning from its inputs (issue: the model must learn).

Each modality path learns a trivially learnable held-out task through the project's training step, and
the untrained model is far below; copy and reverse on the same inputs are told apart only by the
command token; decodes differ across inputs and match their targets."""
import functools

import numpy as np
import pytest

from learning_helpers import (Learner, image_captions, image_classes, spec, text_copy, tones)

TASKS = {
    "image_to_class": (spec("image_to_class", "image", "class_label", 1), image_classes, 100),
    "image_to_text": (spec("image_to_text", "image", "symbol", 2), image_captions, 100),
    "waveform_to_text": (spec("waveform_to_text", "audio_waveform", "symbol", 3),
                         functools.partial(tones, samples=512), 100),
    "spectral_to_text": (spec("spectral_to_text", "audio_spectral", "symbol", 4),
                         functools.partial(tones, samples=2048), 100),
    "text_copy": (spec("text_copy", "symbol", "symbol", 5), text_copy, 150),
}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_each_modality_learns_its_held_out_task(task):
    problem, fn, steps = TASKS[task]
    learner = Learner({problem: fn})
    untrained = learner.accuracy(task)
    learner.train(steps)
    trained, shuffled = learner.accuracy(task), learner.accuracy(task, shuffle=True)
    assert untrained < 0.5, f"{task}: the untrained model is already at {untrained:.2f}"
    assert trained >= 0.9, f"{task}: held-out accuracy {trained:.2f} after {steps} steps (untrained {untrained:.2f})"
    assert shuffled < trained - 0.3, f"{task}: {shuffled:.2f} with another example's input: inputs ignored"
    if problem.text_targets:
        decodes = learner.decode(task)
        targets = learner.held_out(task)["targets"]
        assert len({tuple(row) for row in decodes}) > 3, f"{task}: the same decode for every input"
        exact = np.mean([(d[:len(t)] == t).all() for d, t in zip(decodes, targets)])
        assert exact >= 0.8, f"{task}: only {exact:.2f} of the greedy decodes equal their targets"


def test_copy_and_reverse_of_the_same_inputs_are_told_apart_by_the_command_token():
    copy = spec("copy", "symbol", "symbol", 5)
    reverse = spec("reverse", "symbol", "symbol", 6)
    learner = Learner({copy: text_copy, reverse: functools.partial(text_copy, reverse=True)})
    learner.train(400)
    features = learner.held_out("copy")
    as_copy = learner.decode("copy", features, space=copy.target_space_id)
    as_reverse = learner.decode("reverse", features, space=reverse.target_space_id)
    length = features["targets"].shape[1]
    words = features["inputs"][:, :-1]
    copied = np.mean([(row[:length - 1] == w).all() for row, w in zip(as_copy, words)])
    reversed_ = np.mean([(row[:length - 1] == w[::-1]).all() for row, w in zip(as_reverse, words)])
    assert copied >= 0.7 and reversed_ >= 0.7, (copied, reversed_)
