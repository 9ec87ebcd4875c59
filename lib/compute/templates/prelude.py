# The prelude every analysis template shares: the node puts it in place of the marker line in each template
# (index.ts), so that each runs, is hashed and is served as one file.
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
