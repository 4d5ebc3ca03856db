"""One way for every benchmark to write its figures: JSON under benchmarks/results (or --out)."""
import json
import os


def write(path, result, indent=1):
    """Writes `result` as JSON to `path` (folders made as needed) and says where."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=indent)
    print(f"wrote {path}")
