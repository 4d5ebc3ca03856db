"""A look at what a run has learned: the first examples of a problem's dev split (from data_dir, through
the same input pipeline as eval), each shown as input, reference and decode (mm-decoder --decode_dev)."""
import numpy as np

from t2t_mm.decoding.search_common import strip_ids


def describe_input(problem, inputs, vocab):
    kind = problem.input_codec.kind
    if kind == "text":
        return vocab.decode(strip_ids(inputs))
    if kind == "image":
        return f"image {inputs.shape[0]}x{inputs.shape[1]}x{inputs.shape[2]}"
    samples = int(np.max(np.nonzero(inputs)[0]) + 1) if np.any(inputs) else 0
    return f"audio {samples / problem.sample_rate:.2f} s ({samples} samples at {problem.sample_rate} Hz)"


def dev_samples(decoder, data_dir, hparams, count):
    """[{"input", "reference", "decoded"}] for the first `count` dev examples of decoder.problem."""
    problem, vocab, rows = decoder.problem, decoder.vocab, []
    for batch in problem.dataset("eval", data_dir, hparams):
        take = min(count - len(rows), int(batch["inputs"].shape[0]))
        features = {"inputs": batch["inputs"][:take], "target_space_id": batch["target_space_id"][:take]}
        out = decoder.decode_features(features)
        for i in range(take):
            inputs, target = batch["inputs"][i].numpy(), batch["targets"][i].numpy()
            if decoder.spec.text_targets:
                reference, decoded = vocab.decode(strip_ids(target)), decoder.detokenize(out["outputs"][i])
            else:
                reference = decoder.class_name(int(target))
                decoded = ", ".join(f"{decoder.class_name(int(c))} ({p:.2f})"
                                    for c, p in zip(out["classes"][i], out["probabilities"][i]))
            rows.append({"input": describe_input(problem, inputs, vocab), "reference": reference,
                         "decoded": decoded})
        if len(rows) >= count:
            break
    return rows


def format_samples(problem_name, rows):
    lines = [f"{problem_name}:"]
    for row in rows:
        lines += [f"  input:     {row['input']}", f"  reference: {row['reference']}",
                  f"  decoded:   {row['decoded']}"]
    return "\n".join(lines)
