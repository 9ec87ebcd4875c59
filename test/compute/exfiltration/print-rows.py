#!/usr/bin/env python3
"""Attack: prints every row to stdout, which the node captures into the logs. The guard must find the rows there."""
import sys
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


with open(dataset_path(), encoding="utf-8", newline="") as file:
    for line in file:
        sys.stdout.write(f"processing {line}")
