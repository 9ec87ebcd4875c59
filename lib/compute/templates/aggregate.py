# Datagora analysis template "aggregate", version 1.0.0.
# Grouped row counts and per-column statistics (count, sum, mean, min, max, quantiles) of a tabular dataset.
# Groups of fewer than minGroupSize rows are left out (only how many is said); values are clipped to the bounds
# given. The results are exact: the provider node adds the noise the parameters ask for before release.
#
# Parameters (checked by the node first): groupBy (0-3 columns), metrics [{column, stats}], quantiles (levels),
# bounds {column: [lo, hi]}, minGroupSize. Writes result.json: {groups: [{key, count, metrics}], suppressed}, or
# {error: {code, column?}} for a parameter the data cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

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
