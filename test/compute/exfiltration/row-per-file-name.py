#!/usr/bin/env python3
"""Attack: one empty output file per data row, named after the row: the names carry the data, not the files."""
import json
import os

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
OUTPUTS = os.path.join(DATA_ROOT, "outputs")


def dataset_path():
    """The first dataset of env DIDS (a JSON array), at <DATA_ROOT>/inputs/<did>/0."""
    did = json.loads(os.environ["DIDS"])[0]
    return os.path.join(DATA_ROOT, "inputs", did, "0")


with open(dataset_path(), encoding="utf-8") as file:
    next(file)  # the header
    for line in file:
        name = line.strip().replace("/", "_")
        if name:
            open(os.path.join(OUTPUTS, f"{name}.txt"), "w", encoding="utf-8").close()
