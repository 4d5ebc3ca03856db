"""Pure numpy/python generators of the mini suite's raw samples (no TensorFlow, no downloads).

language: parallel English/German/French sentences with PTB-style trees of the English side.
scenes: rendered images of coloured shapes with class labels and true captions.
speech: formant-synthesized audio of spoken-like symbol sequences with transcripts.
Every generator is deterministic from its seed.
"""
