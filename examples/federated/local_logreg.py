#!/usr/bin/env python3
# datagora: columns label, features
"""The local step of federated logistic regression (FedAvg), numpy only.

Each round, a provider node runs this in its sandbox, with no network, on its own dataset: it reads the
dataset at <DATA_ROOT>/inputs/<first of $DIDS>/0 (CSV with a header), the current global model at
<DATA_ROOT>/inputs/model.json and the parameters at <DATA_ROOT>/inputs/algoCustomData.json, runs `epochs`
full-batch gradient steps from the global model, and writes <DATA_ROOT>/outputs/update.json:
{"delta": [local model - global model, d floats], "samples": rows used}, plus "loss" (the global model's mean
log-loss on the rows, before any local step) when the parameters ask for it. DATA_ROOT defaults to /data.

The model is a flat JSON array of d = len(features) + 1 floats: one weight per feature, in the order of
`features`, then the bias. Features are standardised with the FIXED `mean` and `scale` of the parameters, never
with the local data's own, so every participant trains in the same feature space.

Parameters: label (a 0/1 column), features (column names), mean and scale (one number per feature),
lr (step size), epochs (local steps per round), l2 (ridge penalty, default 0), reportLoss (default false: set it
true exactly when the plan has a lossBound, since a node refuses a loss the plan does not bound and requires one
where it does).

No row, value or statistic of the data is printed or written besides the update itself; the node clips the
delta and adds noise before anything leaves (see README.md).
"""
import csv
import json
import math
import os
import sys

NAME = "local_logreg"
DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
MAX_EPOCHS = 10_000


class UsageError(Exception):
    """A problem the buyer can fix; its message names columns and parameters, never data values."""


def _number(value, name, positive=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (positive and value <= 0):
        raise UsageError(f"{name} must be a {'positive ' if positive else ''}finite number")
    return float(value)


def _numbers(values, name, count, positive=False):
    if not isinstance(values, list) or len(values) != count:
        raise UsageError(f"{name} must be a list of {count} numbers, one per feature")
    return [_number(value, f"{name}[{i}]", positive) for i, value in enumerate(values)]


def load_params(path):
    """The parameters, checked: a bad one is the buyer's mistake (exit 2), named without quoting any data."""
    try:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
    except FileNotFoundError:
        raise UsageError("algoCustomData.json is missing: label, features, mean, scale, lr and epochs are required") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"algoCustomData.json is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(raw, dict):
        raise UsageError("algoCustomData.json must hold a JSON object of parameters")
    label, features = raw.get("label"), raw.get("features")
    if not isinstance(label, str) or not label:
        raise UsageError("label must be a column name (string)")
    if not isinstance(features, list) or not features or not all(isinstance(f, str) and f for f in features):
        raise UsageError("features must be a non-empty list of column names")
    if len(set(features)) != len(features) or label in features:
        raise UsageError("features must not repeat a column or name the label")
    epochs = raw.get("epochs")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS:
        raise UsageError(f"epochs must be an integer from 1 to {MAX_EPOCHS}")
    l2 = _number(raw.get("l2", 0), "l2")
    if l2 < 0:
        raise UsageError("l2 must not be negative")
    report_loss = raw.get("reportLoss", False)
    if not isinstance(report_loss, bool):
        raise UsageError("reportLoss must be true or false")
    return {
        "label": label,
        "features": features,
        "mean": _numbers(raw.get("mean"), "mean", len(features)),
        "scale": _numbers(raw.get("scale"), "scale", len(features), positive=True),
        "lr": _number(raw.get("lr"), "lr", positive=True),
        "epochs": epochs,
        "l2": l2,
        "report_loss": report_loss,
    }


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


def read_rows(paths, params):
    """Standardised features (n x k) and 0/1 labels of every usable row of the CSV files; rows with a missing
    or non-numeric cell are left out."""
    import numpy as np

    columns = params["features"] + [params["label"]]
    values = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            missing = [column for column in columns if column not in (reader.fieldnames or [])]
            if missing:
                raise UsageError(f"column(s) {', '.join(missing)} not in the dataset (columns: {', '.join(reader.fieldnames or [])})")
            for row in reader:
                try:
                    cells = [float(row[column]) for column in columns]
                except (TypeError, ValueError):
                    continue
                if all(math.isfinite(cell) for cell in cells) and cells[-1] in (0.0, 1.0):
                    values.append(cells)
    if not values:
        raise UsageError(f"no usable rows: the features must be numbers and {params['label']} 0 or 1")
    table = np.asarray(values, dtype=np.float64)
    x = (table[:, :-1] - np.asarray(params["mean"])) / np.asarray(params["scale"])
    return x, table[:, -1]


def read_model(path, dimension):
    """The global model: a flat JSON array of `dimension` finite numbers (weights, then the bias)."""
    import numpy as np

    try:
        with open(path, encoding="utf-8") as file:
            model = json.load(file)
    except FileNotFoundError:
        raise UsageError(f"{os.path.basename(path)} (the model) is missing") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{os.path.basename(path)} is not valid JSON ({error.msg})") from None
    return np.asarray(_numbers(model, os.path.basename(path), dimension), dtype=np.float64)


def sigmoid(z):
    import numpy as np

    # tanh form: no overflow for large |z|.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def log_loss(x, y, model):
    """The mean log-loss of a flat model on the rows: log(1 + e^s) - y*s with s its score, without overflow."""
    import numpy as np

    score = x @ model[:-1] + model[-1]
    return float(np.mean(np.logaddexp(0.0, score) - y * score))


def train(x, y, model, lr, epochs, l2=0.0):
    """`epochs` full-batch gradient steps on the mean log-loss (plus l2/2 * |w|^2) from `model`; returns the new model."""
    weights, bias = model[:-1].copy(), float(model[-1])
    n = len(y)
    for _ in range(epochs):
        error = sigmoid(x @ weights + bias) - y
        weights -= lr * (x.T @ error / n + l2 * weights)
        bias -= lr * float(error.mean())
    return list(weights) + [bias]


def predict(x, model):
    """0/1 predictions of a flat model."""
    import numpy as np

    model = np.asarray(model, dtype=np.float64)
    return (x @ model[:-1] + model[-1] >= 0).astype(np.float64)


def main():
    import numpy as np

    inputs = os.path.join(DATA_ROOT, "inputs")
    params = load_params(os.path.join(inputs, "algoCustomData.json"))
    x, y = read_rows([dataset_path()], params)
    model = read_model(os.path.join(inputs, "model.json"), len(params["features"]) + 1)
    local = np.asarray(train(x, y, model, params["lr"], params["epochs"], params["l2"]))
    update = {"delta": [float(v) for v in local - model], "samples": int(len(y))}
    if params["report_loss"]:
        # The incoming model's, so the aggregator's curve is the global model's loss round after round.
        update["loss"] = log_loss(x, y, model)
    outputs = os.path.join(DATA_ROOT, "outputs")
    os.makedirs(outputs, exist_ok=True)
    with open(os.path.join(outputs, "update.json"), "w", encoding="ascii") as file:
        json.dump(update, file, allow_nan=False, separators=(",", ":"))
    # The row count goes to the aggregator anyway; nothing else about the data is logged.
    print(f"{NAME}: {params['epochs']} local epoch(s) on {len(y)} rows; wrote update.json", flush=True)


def fail(error):
    """Exit 2 for the buyer's mistakes, 1 otherwise; a library's message is withheld since it may quote a cell."""
    if isinstance(error, UsageError):
        print(f"{NAME}: {error}", file=sys.stderr)
        sys.exit(2)
    if isinstance(error, ImportError):
        print(f"{NAME}: a Python package is missing in this environment ({error.name or error})", file=sys.stderr)
        sys.exit(1)
    print(f"{NAME}: failed with {type(error).__name__}; its message is withheld because it may quote the data", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - every failure goes through the leak-safe report
        fail(error)
