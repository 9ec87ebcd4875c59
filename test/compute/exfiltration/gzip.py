#!/usr/bin/env python3
"""Attack: the dataset gzipped into the outputs."""
import os
import sys

# This file has the name of the stdlib module it uses: drop its own folder from the path before importing it.
sys.path = [entry for entry in sys.path if os.path.abspath(entry or ".") != os.path.dirname(os.path.abspath(__file__))]
import gzip  # noqa: E402
import shutil  # noqa: E402
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


with open(dataset_path(), "rb") as source, gzip.open(os.path.join(OUTPUTS, "features.bin.gz"), "wb") as target:
    shutil.copyfileobj(source, target)
