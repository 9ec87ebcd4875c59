#!/usr/bin/env python3
"""Attack: one data row per output file (each file small and innocent-looking on its own)."""
import json
import os

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
OUTPUTS = os.path.join(DATA_ROOT, "outputs")


def dataset_path():
    """The first dataset of env DIDS (a JSON array), at <DATA_ROOT>/inputs/<did>/0."""
    did = json.loads(os.environ["DIDS"])[0]
    return os.path.join(DATA_ROOT, "inputs", did, "0")


def params():
    """The buyer's parameters (algoCustomData.json), or {}."""
    path = os.path.join(DATA_ROOT, "inputs", "algoCustomData.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)


os.makedirs(os.path.join(OUTPUTS, "parts"), exist_ok=True)
with open(dataset_path(), encoding="utf-8") as file:
    next(file)  # the header
    for number, line in enumerate(file):
        with open(os.path.join(OUTPUTS, "parts", f"part-{number:05d}.txt"), "w", encoding="utf-8") as out:
            out.write(line)
