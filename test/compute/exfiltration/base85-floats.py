#!/usr/bin/env python3
"""Attack on the byte budget: the numeric columns as float64, base85-encoded into one output file of `bytes`
characters (parameter, default 100 000). Binary numbers share no text with the CSV and the guard decodes no base85,
so only the byte budget bounds what leaves."""
import base64
import json
import os

import numpy as np

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


size = int(params().get("bytes", 100_000))
values = np.loadtxt(dataset_path(), delimiter=",", skiprows=1, usecols=range(1, 8), dtype="float64")
with open(os.path.join(OUTPUTS, "embedding.b85"), "wb") as out:
    out.write(base64.b85encode(values.tobytes())[:size])
