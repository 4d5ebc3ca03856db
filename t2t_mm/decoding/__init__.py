"""Decoding: greedy and beam search (GNMT length penalty) for text targets, top-k for class targets,
the decode hparams, restoring a trained model, and SavedModel export. mm-decoder is built on these."""
