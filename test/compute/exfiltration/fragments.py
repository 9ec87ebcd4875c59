#!/usr/bin/env python3
"""Attack: rows cut into 15-byte pieces, one output file each. Every file holds less than the guard matches
(a row is indexed from 16 bytes, a fragment from 24), so only the number of files gives it away. The first 500
rows: a job's worth, the buyer pays per job."""
import json
import os

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
OUTPUTS = os.path.join(DATA_ROOT, "outputs")
PIECE = 15


def dataset_path():
    """The first dataset of env DIDS (a JSON array), at <DATA_ROOT>/inputs/<did>/0."""
    did = json.loads(os.environ["DIDS"])[0]
    return os.path.join(DATA_ROOT, "inputs", did, "0")


os.makedirs(os.path.join(OUTPUTS, "parts"), exist_ok=True)
with open(dataset_path(), encoding="utf-8") as file:
    rows = file.read().split("\n")[1:501]
for number, row in enumerate(rows):
    for piece, start in enumerate(range(0, len(row), PIECE)):
        with open(os.path.join(OUTPUTS, "parts", f"part-{number:03d}-{piece}.txt"), "w", encoding="utf-8") as out:
            out.write(row[start : start + PIECE])
