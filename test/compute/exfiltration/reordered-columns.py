#!/usr/bin/env python3
"""Attack (subtle): every row with its columns in reverse order, joined by " | " instead of commas, numbers
reformatted (2 decimals become 4), framed as a report. No output line equals a data row."""
import csv
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



def reformat(value):
    try:
        return f"{float(value):.4f}" if "." in value else value
    except ValueError:
        return value


with open(dataset_path(), encoding="utf-8", newline="") as file, open(os.path.join(OUTPUTS, "report.txt"), "w", encoding="utf-8") as out:
    reader = csv.reader(file)
    header = next(reader)
    out.write("Segment report\n==============\n")
    for row in reader:
        out.write(" | ".join(reformat(value) for value in reversed(row)) + "\n")
