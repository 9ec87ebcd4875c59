#!/usr/bin/env python3
# datagora: columns target
"""Train a small MLP classifier on the GPU, compute-to-data style (PyTorch with CUDA; no pandas needed).

Reads the dataset at <DATA_ROOT>/inputs/<first of $DIDS>/0 (CSV or JSON lines) and the buyer's parameters
from <DATA_ROOT>/inputs/algoCustomData.json; writes metrics.json (GPU model and count, CUDA version, epochs,
timings, accuracy) and model.pt to <DATA_ROOT>/outputs. DATA_ROOT defaults to /data.

Parameters: target (default: last column), epochs (20), hidden (64), lr (0.001), batch_size (1024),
test_size (0.25), seed (42). Features are the numeric columns other than the target and identifier-like ones.

Exits 3, with the reason on stderr, when torch cannot be imported or sees no CUDA device: the job needs a GPU
environment. Only aggregates leave: no data row, sample or identifier is printed or written.
"""
import csv
import json
import math
import os
import re
import sys
import time
import traceback

STARTED = time.perf_counter()
NAME = "gpu_train"
DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
DEFAULTS = {"target": None, "epochs": 20, "hidden": 64, "lr": 0.001, "batch_size": 1024, "test_size": 0.25, "seed": 42}
MAX_CLASSES = 50
NULLS = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"}


class UsageError(Exception):
    """A problem the buyer can fix; its message names columns and parameters, never data values."""


class NoGpu(Exception):
    """torch or CUDA is missing here: the job belongs on a GPU environment."""


def log(message):
    print(f"{NAME}: {message}", flush=True)


def require_cuda():
    try:
        import torch
    except ImportError:
        raise NoGpu(f"needs PyTorch with CUDA, but torch is not installed for this Python ({sys.executable}); run it on a GPU environment") from None
    except Exception as error:  # noqa: BLE001 - a broken install (missing shared library) is the same answer
        raise NoGpu(f"needs PyTorch with CUDA, but importing torch failed ({type(error).__name__}); run it on a GPU environment") from None
    if not torch.cuda.is_available():
        build = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise NoGpu(f"needs a CUDA GPU, but PyTorch {torch.__version__} ({build}) sees none; run it on a GPU environment")
    return torch


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
    if params["target"] is not None and not isinstance(params["target"], str):
        raise UsageError("target must be a column name (string)")
    for key in ("epochs", "hidden", "batch_size", "seed"):
        if isinstance(params[key], bool) or not isinstance(params[key], int) or (key != "seed" and params[key] < 1):
            raise UsageError(f"{key} must be a positive integer" if key != "seed" else "seed must be an integer")
    if isinstance(params["lr"], bool) or not isinstance(params["lr"], (int, float)) or params["lr"] <= 0:
        raise UsageError("lr must be a positive number")
    test_size = params["test_size"]
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise UsageError("test_size must be a number between 0 and 1 (the held-out fraction)")
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


def read_columns(path):
    """The table as {column: list of values}; CSV cells stay strings, missing cells are None."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        head = file.read(4096).lstrip()
        file.seek(0)
        if head.startswith("{"):
            columns = {}
            rows = 0
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    raise UsageError(f"line {number} is not valid JSON") from None
                if not isinstance(record, dict):
                    raise UsageError(f"line {number} is not a JSON object")
                for key in record:
                    columns.setdefault(key, [None] * rows)
                for key, values in columns.items():
                    values.append(record.get(key))
                rows += 1
            return columns
        reader = csv.reader(file)
        header = next(reader, None)
        if not header:
            raise UsageError("the dataset is empty")
        columns = {name: [] for name in header}
        for row in reader:
            if len(row) != len(header):
                continue  # a malformed row: skipped rather than guessed
            for name, cell in zip(header, row):
                columns[name].append(None if cell in NULLS else cell)
        return columns


def as_float(value):
    """The value as a float, None when missing, or raises ValueError when it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise ValueError("not a number")


def numeric_column(values):
    """The column as floats (NaN where missing), or None when some present value is not a number."""
    out = []
    try:
        for value in values:
            number = as_float(value)
            out.append(math.nan if number is None or math.isinf(number) else number)
    except ValueError:
        return None
    return out


def is_id_name(name):
    """True for identifier-like names: id, applicant_id, patient-id, patientId, userID, uuid, guid."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    tokens = [token for token in re.split(r"[_\-\s.]+", text) if token]
    return bool(tokens) and tokens[-1].lower() in ("id", "uuid", "guid")


def main():
    torch = require_cuda()
    params = load_params()
    path = dataset_path()
    log(f"reading the dataset ({os.path.getsize(path) / 1e6:.1f} MB)")
    columns = read_columns(path)
    names = list(columns)
    if len(names) < 2:
        raise UsageError("the dataset needs at least two columns (features and a target)")
    target = params["target"] if params["target"] is not None else names[-1]
    if target not in columns:
        raise UsageError(f"target column {target!r} is not in the dataset (columns: {', '.join(names)})")

    labelled = [i for i, value in enumerate(columns[target]) if value is not None]
    classes = sorted({str(columns[target][i]) for i in labelled})
    if len(classes) < 2:
        raise UsageError(f"target column {target!r} needs at least two classes")
    if len(classes) > MAX_CLASSES:
        raise UsageError(f"target column {target!r} has {len(classes)} distinct values: it looks continuous or like an identifier, and gpu_train trains classifiers")
    features, matrix = [], []
    for name in names:
        if name == target or is_id_name(name):
            continue
        values = numeric_column(columns[name])
        if values is not None and any(not math.isnan(v) for v in values):
            features.append(name)
            matrix.append([values[i] for i in labelled])
    if not features:
        raise UsageError("no numeric feature columns")
    class_index = {label: k for k, label in enumerate(classes)}
    labels = [class_index[str(columns[target][i])] for i in labelled]
    log(f"{len(labelled)} labelled rows, {len(features)} numeric features; target {target!r} with {len(classes)} classes")

    device = torch.device("cuda")
    generator = torch.Generator().manual_seed(params["seed"])
    torch.manual_seed(params["seed"])
    x = torch.tensor(matrix, dtype=torch.float32).T.contiguous()
    y = torch.tensor(labels, dtype=torch.long)
    order = torch.randperm(len(labels), generator=generator)
    test_rows = max(1, round(len(labels) * params["test_size"]))
    if test_rows >= len(labels):
        raise UsageError("too few labelled rows to hold out a test split")
    test, train = order[:test_rows], order[test_rows:]
    # Impute and scale with the training split's statistics only, so the test score stays honest.
    mean = torch.nanmean(x[train], dim=0).nan_to_num(0.0)
    x = torch.where(torch.isnan(x), mean, x)
    std = x[train].std(dim=0).nan_to_num(1.0).clamp_min(1e-6)  # constant or single-row columns: no scaling
    x = ((x - mean) / std).to(device)
    y = y.to(device)
    x_train, y_train, x_test, y_test = x[train.to(device)], y[train.to(device)], x[test.to(device)], y[test.to(device)]

    hidden = params["hidden"]
    model = torch.nn.Sequential(
        torch.nn.Linear(len(features), hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, len(classes)),
    ).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=params["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    log(f"training on {torch.cuda.get_device_name(0)}: {len(train)} rows, {params['epochs']} epochs")
    torch.cuda.synchronize()
    train_started = time.perf_counter()
    loss = torch.tensor(math.nan)
    for _ in range(params["epochs"]):
        model.train()
        batches = torch.randperm(len(train), device=device)
        for start in range(0, len(train), params["batch_size"]):
            batch = batches[start:start + params["batch_size"]]
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    torch.cuda.synchronize()
    train_seconds = time.perf_counter() - train_started
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    log(f"test accuracy {accuracy:.4f} on {len(test)} rows after {train_seconds:.2f} s of training")

    balance = torch.bincount(torch.tensor(labels), minlength=len(classes)).tolist()
    metrics = {
        "algorithm": "gpu_train.py",
        "device": torch.cuda.get_device_name(0),
        "gpu_count": torch.cuda.device_count(),
        "cuda_version": torch.version.cuda,
        "torch_version": torch.__version__,
        "params": {key: params[key] for key in ("epochs", "hidden", "lr", "batch_size", "test_size", "seed")},
        "epochs": params["epochs"],
        "target": target,
        "classes": classes,
        "class_balance": dict(zip(classes, balance)),
        "features": features,
        "rows_train": len(train),
        "rows_test": len(test),
        "accuracy": round(accuracy, 6),
        "final_loss": round(loss.item(), 6),
        "train_seconds": round(train_seconds, 3),
        "rows_per_second": round(len(train) * params["epochs"] / train_seconds) if train_seconds > 0 else None,
        "peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
        "wall_seconds": round(time.perf_counter() - STARTED, 3),
    }
    outputs = os.path.join(DATA_ROOT, "outputs")
    os.makedirs(outputs, exist_ok=True)
    # Weights plus the per-feature mean and scale the inputs need: aggregates only, no rows.
    torch.save({"state_dict": model.state_dict(), "features": features, "classes": classes, "mean": mean, "std": std, "hidden": hidden}, os.path.join(outputs, "model.pt"))
    with open(os.path.join(outputs, "metrics.json"), "w", encoding="utf-8") as file:
        json.dump(metrics, file, indent=2)
    log("wrote model.pt and metrics.json")


def fail(error):
    """Exit 3 without a GPU, 2 for the buyer's mistakes, 1 otherwise; a library's message (but for a missing package) is withheld since it may quote a cell."""
    if isinstance(error, NoGpu):
        print(f"{NAME}: {error}", file=sys.stderr)
        sys.exit(3)
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
