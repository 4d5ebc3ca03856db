"""mm-trainer's machinery: a custom multi-problem training loop on tf.distribute.

Modules, one job each: sampler (which problem a step trains), schedule (learning rate), optimizer (Adam
that leaves untouched variables alone), losses, distribution (strategies), checkpoints, step (the compiled
per-problem steps), evaluation, summaries (TensorBoard + metrics.jsonl), progress (terminal lines),
trainer (the loop and main_from_flags).
"""
