#!/usr/bin/env python3
# datagora: columns group_by, columns
"""Grouped statistics of a tabular dataset, compute-to-data style.

Reads the dataset at <DATA_ROOT>/inputs/<first of $DIDS>/0 (CSV or JSON lines) and the buyer's parameters
from <DATA_ROOT>/inputs/algoCustomData.json; writes stats.csv and summary.json to <DATA_ROOT>/outputs.
DATA_ROOT defaults to /data.

Parameters: group_by (a column; default none: the whole table is one group), columns (numeric columns;
default every numeric column except the group column and identifier-like ones), min_group_size (10).

stats.csv has one row per group: the group value, count (rows in the group), then <column>_mean, _std, _min
and _max for each column. Groups smaller than min_group_size are suppressed: neither their key nor their
statistics are written, only how many groups and rows were left out.
"""
import json
import os
import re
import sys
import traceback

NAME = "aggregate_stats"
DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
DEFAULTS = {"group_by": None, "columns": None, "min_group_size": 10}
STATS = ("mean", "std", "min", "max")


class UsageError(Exception):
    """A problem the buyer can fix; its message names columns and parameters, never data values."""


def log(message):
    print(f"{NAME}: {message}", flush=True)


def load_params():
    path = os.path.join(DATA_ROOT, "inputs", "algoCustomData.json")
    if not os.path.exists(path):
        return dict(DEFAULTS)
    try:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
    except json.JSONDecodeError as error:
        raise UsageError(f"algoCustomData.json is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(raw, dict):
        raise UsageError("algoCustomData.json must hold a JSON object of parameters")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        log(f"ignoring unknown parameters: {', '.join(unknown)}")
    params = {**DEFAULTS, **{key: value for key, value in raw.items() if key in DEFAULTS}}
    if params["group_by"] is not None and not isinstance(params["group_by"], str):
        raise UsageError("group_by must be a column name (string) or null")
    columns = params["columns"]
    if columns is not None and (not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns)):
        raise UsageError("columns must be a non-empty list of column names, or null for every numeric column")
    size = params["min_group_size"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UsageError("min_group_size must be an integer of at least 1")
    return params


def dataset_path():
    """The first dataset's file; without $DIDS, the only dataset folder under inputs (handy for local runs)."""
    inputs = os.path.join(DATA_ROOT, "inputs")
    raw = os.environ.get("DIDS")
    if raw:
        try:
            dids = json.loads(raw)
        except json.JSONDecodeError:
            raise UsageError("env DIDS must be a JSON array of dataset ids") from None
        if not isinstance(dids, list) or not dids or not all(isinstance(did, str) for did in dids):
            raise UsageError("env DIDS must be a non-empty JSON array of dataset ids")
        did = dids[0]
    else:
        folders = [entry for entry in sorted(os.listdir(inputs)) if os.path.isdir(os.path.join(inputs, entry))] if os.path.isdir(inputs) else []
        if len(folders) != 1:
            raise UsageError("env DIDS is not set and there is not exactly one dataset folder under inputs")
        did = folders[0]
    path = os.path.join(inputs, did, "0")
    if not os.path.isfile(path):
        raise UsageError(f"dataset file {path} not found")
    return path


def read_table(path):
    import pandas as pd

    with open(path, "rb") as file:
        head = file.read(4096).lstrip()
    if head.startswith(b"{"):
        return pd.read_json(path, lines=True, convert_dates=False, keep_default_dates=False)
    return pd.read_csv(path)


def is_id_name(name):
    """True for identifier-like names: id, applicant_id, patient-id, patientId, userID, uuid, guid."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    tokens = [token for token in re.split(r"[_\-\s.]+", text) if token]
    return bool(tokens) and tokens[-1].lower() in ("id", "uuid", "guid")


def value_columns(df, params):
    import pandas as pd

    group_by = params["group_by"]
    if params["columns"] is None:
        columns = [c for c in df.columns if c != group_by and not is_id_name(c) and pd.api.types.is_numeric_dtype(df[c])]
        if not columns:
            raise UsageError("the dataset has no numeric columns to summarise")
        return columns
    missing = [c for c in params["columns"] if c not in df.columns]
    if missing:
        raise UsageError(f"columns not in the dataset: {', '.join(missing)}")
    if group_by in params["columns"]:
        raise UsageError("columns must not include the group_by column")
    not_numeric = [c for c in params["columns"] if not pd.api.types.is_numeric_dtype(df[c])]
    if not_numeric:
        raise UsageError(f"columns that are not numeric: {', '.join(not_numeric)}")
    return list(dict.fromkeys(params["columns"]))


def number(value):
    """A JSON-safe float, or None for NaN (the std of a one-row group)."""
    value = float(value)
    return None if value != value else value


def main():
    params = load_params()
    path = dataset_path()
    log(f"reading the dataset ({os.path.getsize(path) / 1e6:.1f} MB)")
    df = read_table(path)
    group_by, min_size = params["group_by"], params["min_group_size"]
    if group_by is not None and group_by not in df.columns:
        raise UsageError(f"group_by column {group_by!r} is not in the dataset (columns: {', '.join(map(str, df.columns))})")
    columns = value_columns(df, params)
    for column in columns:
        if df[column].dtype == bool:
            df[column] = df[column].astype(int)  # the mean of a flag is its rate
    log(f"rows: {len(df)}; columns: {len(columns)}; " + (f"grouped by {group_by!r}" if group_by else "whole table"))

    if group_by:
        groups = df.groupby(group_by, dropna=False, sort=True)
        stats = groups[columns].agg(list(STATS))
        stats.columns = [f"{column}_{stat}" for column, stat in stats.columns]
        stats.insert(0, "count", groups.size())
        stats = stats.reset_index()
    else:
        import pandas as pd

        whole = df[columns].agg(list(STATS))
        stats = pd.DataFrame([{"count": len(df), **{f"{c}_{s}": whole.at[s, c] for c in columns for s in STATS}}])
    kept = stats[stats["count"] >= min_size]
    suppressed = stats[stats["count"] < min_size]
    log(f"groups: {len(stats)}; suppressed (under {min_size} rows): {len(suppressed)}")

    overall = None
    if len(df) >= min_size:
        overall = {c: {"mean": number(df[c].mean()), "std": number(df[c].std()), "min": number(df[c].min()), "max": number(df[c].max())} for c in columns}
    summary = {
        "algorithm": "aggregate_stats.py",
        "rows": int(len(df)),
        "group_by": group_by,
        "columns": [str(c) for c in columns],
        "min_group_size": min_size,
        "groups": int(len(stats)),
        "groups_reported": int(len(kept)),
        "groups_suppressed": int(len(suppressed)),
        "rows_reported": int(kept["count"].sum()),
        "rows_suppressed": int(suppressed["count"].sum()),
        "nulls": {str(c): int(df[c].isna().sum()) for c in columns},
        "overall": overall,
    }
    outputs = os.path.join(DATA_ROOT, "outputs")
    os.makedirs(outputs, exist_ok=True)
    kept.to_csv(os.path.join(outputs, "stats.csv"), index=False, float_format="%.10g")
    with open(os.path.join(outputs, "summary.json"), "w", encoding="utf-8") as file:
        json.dump(summary, file, indent=2)
    log(f"wrote stats.csv (groups: {len(kept)}) and summary.json")


def fail(error):
    """Exit 2 for the buyer's mistakes, 1 otherwise; a library's message (but for a missing package) is withheld since it may quote a cell."""
    if isinstance(error, UsageError):
        print(f"{NAME}: {error}", file=sys.stderr)
        sys.exit(2)
    if isinstance(error, ImportError):
        print(f"{NAME}: a Python package is missing in this environment ({error.name or error})", file=sys.stderr)
        sys.exit(1)
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" in {os.path.basename(frame.filename)}:{frame.lineno} ({frame.name})" if frame else ""
    print(f"{NAME}: failed with {type(error).__name__}{where}; its message is withheld because it may quote the data", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - every failure goes through the leak-safe report
        fail(error)
