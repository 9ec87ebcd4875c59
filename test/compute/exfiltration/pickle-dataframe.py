#!/usr/bin/env python3
"""Attack (subtle): the whole DataFrame pickled as a "model". pandas pickles each text value as its own short
pickle string and the numbers as binary float64/int64 blocks, so no row or 64-byte run of the CSV survives;
the guard catches it by the many rare fragments (unique emails here) it still holds."""
import json
import os

import pandas as pd

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



frame = pd.read_csv(dataset_path())
frame.to_pickle(os.path.join(OUTPUTS, "model.pkl"))
