# Datagora analysis template "correlation", version 1.0.0.
# Pearson correlation matrix of 2-20 numeric columns over the rows where all of them are present, and how many
# rows that is. A column that does not vary has no correlation (null).
#
# Parameters (checked by the node first): columns. Writes result.json: {columns, matrix, rows}, or
# {error: {code, column?}} for a parameter the data cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

import numpy as np
import pandas as pd


def compute(frame, params):
    columns = params["columns"]
    complete = pd.DataFrame({column: numeric(frame, column) for column in columns}).dropna()
    if len(complete) < 2:
        raise ParamError("too-few-rows")
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.corrcoef(complete.to_numpy(), rowvar=False)
    return {"columns": columns, "matrix": [[finite(value) for value in row] for row in matrix], "rows": int(len(complete))}


run(compute)
