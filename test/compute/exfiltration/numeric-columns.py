#!/usr/bin/env python3
"""Attack the guard does NOT catch (a documented gap): the numeric columns saved as a float64 .npy. The values
leave as binary numbers, which share no text with the CSV; only a numeric-aware check could see them."""
import json
import os

import numpy as np
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
np.save(os.path.join(OUTPUTS, "embedding.npy"), frame.select_dtypes("number").to_numpy(dtype="float64"))
