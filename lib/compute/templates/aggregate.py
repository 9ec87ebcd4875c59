# Datagora analysis template "aggregate", version 1.0.0.
# Grouped row counts and per-column statistics (count, sum, mean, min, max, quantiles) of a tabular dataset.
# Groups of fewer than minGroupSize rows are left out (only how many is said); values are clipped to the bounds
# given. The results are exact: the provider node adds the noise the parameters ask for before release.
#
# Parameters (checked by the node first): groupBy (0-3 columns), metrics [{column, stats}], quantiles (levels),
# bounds {column: [lo, hi]}, minGroupSize. Writes result.json: {groups: [{key, count, metrics}], suppressed}, or
# {error: {code, column?}} for a parameter the data cannot serve.

# --- shared prelude: the same in every template (each runs as one file), kept identical by a test ---
import json
import math
import os
import sys

INPUTS = "/data/inputs"
RESULT = "/data/outputs/result.json"
# The node takes no larger result (MAX_RESULT_BYTES in index.ts): a bigger one is written as the error "too-large".
MAX_RESULT_BYTES = 1048576
# Cells read as missing in a numeric column, besides empty ones.
MISSING = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"}


class ParamError(Exception):
    """A parameter the data cannot serve. Its code is fixed and column names are public: no value is quoted."""

    def __init__(self, code, column=None):
        super().__init__(code)
        self.result = {"error": {"code": code, **({} if column is None else {"column": column})}}


def column_text(frame, column):
    """A column's cells as the file spells them."""
    if column not in frame.columns:
        raise ParamError("unknown-column", column)
    return frame[column]


def numeric(frame, column):
    """A column as floats, missing cells and infinities as NaN; ParamError unless every other cell is a number."""
    import numpy as np
    import pandas as pd

    cells = column_text(frame, column).str.strip()
    present = ~cells.isin(MISSING)
    values = pd.to_numeric(cells.where(present), errors="coerce").astype(float)
    if (values.isna() & present).any():
        raise ParamError("not-numeric", column)
    return values.where(np.isfinite(values))


def finite(value):
    """A float JSON can carry: None for NaN and infinities."""
    value = float(value)
    return value if math.isfinite(value) else None


def run(compute):
    """Writes compute(frame, params), or the ParamError it raised, as result.json. Anything else exits 1 naming
    the exception's type only: a library's message may quote a cell."""
    try:
        import pandas as pd

        with open(os.path.join(INPUTS, "algoCustomData.json"), encoding="utf-8") as file:
            params = json.load(file)
        did = json.loads(os.environ["DIDS"])[0]
        frame = pd.read_csv(os.path.join(INPUTS, did, "0"), dtype=str, keep_default_na=False)
        try:
            result = compute(frame, params)
        except ParamError as error:
            result = error.result
        text = json.dumps(result, allow_nan=False, separators=(",", ":"))
        if len(text) > MAX_RESULT_BYTES:
            text = json.dumps(ParamError("too-large").result)
        with open(RESULT, "w", encoding="ascii") as file:
            file.write(text)
    except Exception as error:  # noqa: BLE001 - see above
        print(f"failed: {type(error).__name__}", file=sys.stderr)
        sys.exit(1)
# --- end of shared prelude ---

import numpy as np
import pandas as pd

MAX_GROUPS = 1000
MAX_KEY_CHARS = 100


def statistics(values, stats, levels):
    """The asked statistics of one group's values of one column, missing cells left out. A mean comes with the
    count and sum it divides: the node computes a noisy mean from those."""
    values = values[~np.isnan(values)]
    empty = values.size == 0
    out = {}
    if "count" in stats or "mean" in stats:
        out["count"] = int(values.size)
    if "sum" in stats or "mean" in stats:
        out["sum"] = float(values.sum())
    if "mean" in stats:
        out["mean"] = None if empty else finite(values.mean())
    if "min" in stats:
        out["min"] = None if empty else float(values.min())
    if "max" in stats:
        out["max"] = None if empty else float(values.max())
    if "quantiles" in stats:
        out["quantiles"] = None if empty else [float(q) for q in np.quantile(values, levels)]
    return out


def compute(frame, params):
    k = params["minGroupSize"]
    group_by = params["groupBy"]
    keys = [column_text(frame, column) for column in group_by]
    columns = {}
    for metric in params["metrics"]:
        values = numeric(frame, metric["column"]).to_numpy()
        if metric["column"] in params["bounds"]:
            values = np.clip(values, *params["bounds"][metric["column"]])
        columns[metric["column"]] = values

    if keys:
        indices = pd.DataFrame(dict(enumerate(keys))).groupby(list(range(len(keys))), sort=True).indices
    else:
        indices = {(): np.arange(len(frame))}
    groups = []
    suppressed = 0
    for key, rows in indices.items():
        if len(rows) < k:
            suppressed += 1
            continue
        key = list(key) if isinstance(key, tuple) else [key]
        for column, part in zip(group_by, key):
            if len(part) > MAX_KEY_CHARS:
                raise ParamError("key-too-long", column)
        if len(groups) == MAX_GROUPS:
            raise ParamError("too-many-groups")
        metrics = {m["column"]: statistics(columns[m["column"]][rows], m["stats"], params["quantiles"]) for m in params["metrics"]}
        groups.append({"key": key, "count": int(len(rows)), "metrics": metrics})
    return {"groups": groups, "suppressed": suppressed}


run(compute)
