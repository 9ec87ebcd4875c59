#!/usr/bin/env python3
"""Attack: copies the dataset file as is into the outputs. The guard must find its rows (plain)."""
import shutil
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


shutil.copyfile(dataset_path(), os.path.join(OUTPUTS, params().get("name", "results.csv")))
print("done")
