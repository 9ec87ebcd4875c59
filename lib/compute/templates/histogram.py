# Datagora analysis template "histogram", version 1.0.0.
# Row counts of one numeric column in equal-width bins over a range the buyer gives (bin edges never come from
# the data), with the rows below and above the range. Missing cells are not counted. The counts are exact: the
# provider node adds the noise the parameters ask for before release.
#
# Parameters (checked by the node first): column, bins (2-100), range [lo, hi]. Writes result.json:
# {edges, counts, below, above}, or {error: {code, column?}} for a parameter the data cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

import numpy as np


def compute(frame, params):
    values = numeric(frame, params["column"]).dropna().to_numpy()
    lo, hi = params["range"]
    edges = np.linspace(lo, hi, params["bins"] + 1)
    inside = values[(values >= lo) & (values <= hi)]
    counts, _ = np.histogram(inside, bins=edges)
    return {
        "edges": [float(edge) for edge in edges],
        "counts": [int(count) for count in counts],
        "below": int((values < lo).sum()),
        "above": int((values > hi).sum()),
    }


run(compute)
