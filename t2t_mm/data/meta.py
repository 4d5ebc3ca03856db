"""data_dir/<problem>.meta.json: what mm-datagen wrote for a problem (example counts per split,
shard counts, the fingerprint of the vocabulary its ids come from). The trainer can use the counts
for size-proportional mixing; the pipeline uses the fingerprint to refuse shards of another vocabulary.
"""
import json
import os

from t2t_mm import atomic


def path(data_dir, problem_name):
    return os.path.join(data_dir, f"{problem_name}.meta.json")


def read(data_dir, problem_name):
    try:
        with open(path(data_dir, problem_name)) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return {}


def record_split(data_dir, problem_name, split, num_shards, examples, vocab_fingerprint):
    data = read(data_dir, problem_name)
    data["problem"] = problem_name
    if vocab_fingerprint:
        data["vocab_fingerprint"] = vocab_fingerprint
    data.setdefault("splits", {})[split] = {"num_shards": num_shards, "examples": examples}
    atomic.write_text(path(data_dir, problem_name), json.dumps(data, indent=1))


def num_examples(data_dir, problem_name, split="train"):
    """Examples mm-datagen wrote for a split, or None when unknown."""
    return read(data_dir, problem_name).get("splits", {}).get(split, {}).get("examples")
