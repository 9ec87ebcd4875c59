#!/usr/bin/env python3
# datagora: columns target
"""Train a scikit-learn classifier on a tabular dataset, compute-to-data style.

Reads the dataset at <DATA_ROOT>/inputs/<first of $DIDS>/0 (CSV or JSON lines) and the buyer's parameters
from <DATA_ROOT>/inputs/algoCustomData.json; writes model.pkl (the fitted pipeline) and metrics.json to
<DATA_ROOT>/outputs. DATA_ROOT defaults to /data.

Parameters: target (default: last column), model ("logistic" | "random_forest"), test_size (0.25), seed (42).

Only aggregates leave: no data row, sample or identifier is printed or written, and error messages from
libraries (which may quote a cell) are withheld.
"""
import json
import os
import pickle
import re
import sys
import time
import traceback

NAME = "train_model"
DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
DEFAULTS = {"target": None, "model": "logistic", "test_size": 0.25, "seed": 42}
MODELS = ("logistic", "random_forest")
# A string column with at most this many distinct values is one-hot encoded; more, and it is dropped.
MAX_CATEGORIES = 20
# Categories seen in fewer rows are pooled into one "infrequent" feature, so no rare value is singled out.
MIN_CATEGORY_ROWS = 10
# More target classes than this means a continuous or identifier column, not a label.
MAX_CLASSES = 50


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
    if params["target"] is not None and not isinstance(params["target"], str):
        raise UsageError("target must be a column name (string)")
    if params["model"] not in MODELS:
        raise UsageError(f"model must be one of {', '.join(MODELS)}")
    test_size = params["test_size"]
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise UsageError("test_size must be a number between 0 and 1 (the held-out fraction)")
    if isinstance(params["seed"], bool) or not isinstance(params["seed"], int):
        raise UsageError("seed must be an integer")
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
        # Keep timestamps as strings: the feature rules below treat them as high-cardinality text.
        return pd.read_json(path, lines=True, convert_dates=False, keep_default_dates=False)
    return pd.read_csv(path)


def is_id_name(name):
    """True for identifier-like names: id, applicant_id, patient-id, patientId, userID, uuid, guid."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    tokens = [token for token in re.split(r"[_\-\s.]+", text) if token]
    return bool(tokens) and tokens[-1].lower() in ("id", "uuid", "guid")


def select_features(df, target):
    """Splits the columns other than the target into numeric and categorical features, and the excluded rest."""
    import pandas as pd

    numeric, categorical, excluded = [], [], {}
    for column in df.columns:
        if column == target:
            continue
        series = df[column]
        if is_id_name(column):
            excluded[column] = "identifier"
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            numeric.append(column)
        else:
            present = series.dropna()
            distinct = present.nunique()
            if len(present) > 1 and distinct == len(present):
                excluded[column] = "identifier (all values unique)"
            elif distinct == 0:
                excluded[column] = "empty"
            elif distinct <= MAX_CATEGORIES:
                categorical.append(column)
            else:
                excluded[column] = f"text with more than {MAX_CATEGORIES} distinct values"
    return numeric, categorical, excluded


def build_pipeline(numeric, categorical, model, seed):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    transformers = []
    if numeric:
        transformers.append(("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric))
    if categorical:
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_CATEGORY_ROWS, sparse_output=False)
        transformers.append(("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), encoder), categorical))
    if model == "random_forest":
        # Leaves of at least 20 rows: no leaf singles out a person or a handful, and model.pkl stays a few MB.
        classifier = RandomForestClassifier(n_estimators=100, min_samples_leaf=20, random_state=seed, n_jobs=-1)
    else:
        classifier = LogisticRegression(max_iter=1000)
    return Pipeline([("features", ColumnTransformer(transformers)), ("classifier", classifier)])


def number(value):
    """A JSON-safe float rounded to 6 decimals, or None for NaN."""
    value = float(value)
    return None if value != value else round(value, 6)


def scores(pipeline, x_test, y_test, classes):
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    predicted = pipeline.predict(x_test)
    binary = len(classes) == 2
    f1 = f1_score(y_test, predicted, average="binary", pos_label=classes[1]) if binary else f1_score(y_test, predicted, average="macro")
    probabilities = pipeline.predict_proba(x_test)
    try:
        if binary:
            roc_auc = roc_auc_score((y_test == classes[1]).astype(int), probabilities[:, 1])
        else:
            roc_auc = roc_auc_score(y_test, probabilities, multi_class="ovr", labels=classes)
    except ValueError:
        roc_auc = float("nan")  # a class missing from the test split: AUC is undefined
    return {"accuracy": number(accuracy_score(y_test, predicted)), "roc_auc": number(roc_auc), "f1": number(f1)}


def explain(pipeline, classes):
    """Coefficients (logistic) or impurity importances (random forest) per encoded feature."""
    names = [re.sub(r"^(num|cat)__", "", name) for name in pipeline.named_steps["features"].get_feature_names_out()]
    classifier = pipeline.named_steps["classifier"]
    if hasattr(classifier, "coef_"):
        if len(classes) == 2:
            coefficients = {name: number(value) for name, value in zip(names, classifier.coef_[0])}
            intercept = number(classifier.intercept_[0])
        else:
            coefficients = {str(label): {name: number(value) for name, value in zip(names, row)} for label, row in zip(classes, classifier.coef_)}
            intercept = {str(label): number(value) for label, value in zip(classes, classifier.intercept_)}
        return names, {"coefficients": coefficients, "intercept": intercept}
    return names, {"importances": {name: number(value) for name, value in zip(names, classifier.feature_importances_)}}


def main():
    params = load_params()
    path = dataset_path()
    log(f"reading the dataset ({os.path.getsize(path) / 1e6:.1f} MB)")

    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.model_selection import train_test_split

    df = read_table(path)
    if df.shape[1] < 2:
        raise UsageError("the dataset needs at least two columns (features and a target)")
    target = params["target"] if params["target"] is not None else df.columns[-1]
    if target not in df.columns:
        raise UsageError(f"target column {target!r} is not in the dataset (columns: {', '.join(map(str, df.columns))})")
    labelled = df[df[target].notna()]
    classes = sorted(labelled[target].unique().tolist())
    log(f"{len(df)} rows, {df.shape[1]} columns; target {target!r} with {len(classes)} classes")
    if len(classes) < 2:
        raise UsageError(f"target column {target!r} needs at least two classes")
    if len(classes) > MAX_CLASSES:
        raise UsageError(f"target column {target!r} has {len(classes)} distinct values: it looks continuous or like an identifier, and train_model trains classifiers")

    numeric, categorical, excluded = select_features(labelled, target)
    if not numeric and not categorical:
        raise UsageError("no usable feature columns (numeric, or text with few distinct values)")
    x = labelled[numeric + categorical].copy()
    for column in categorical:
        # One type per column for the encoder; missing cells stay missing for the imputer.
        x[column] = x[column].where(x[column].isna(), x[column].astype(str))
    for column in numeric:
        if pd.api.types.is_bool_dtype(x[column]):
            x[column] = x[column].astype(int)
    y = labelled[target]
    balance = y.value_counts()
    log(f"features: {len(numeric)} numeric, {len(categorical)} categorical; excluded: {len(excluded)}")

    stratify = y if balance.min() >= 2 else None
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=params["test_size"], random_state=params["seed"], stratify=stratify)
    pipeline = build_pipeline(numeric, categorical, params["model"], params["seed"])
    log(f"fitting {params['model']} on {len(x_train)} rows")
    started = time.perf_counter()
    pipeline.fit(x_train, y_train)
    train_seconds = time.perf_counter() - started

    results = scores(pipeline, x_test, y_test, classes)
    log(f"test accuracy {results['accuracy']}, ROC AUC {results['roc_auc']}, F1 {results['f1']} on {len(x_test)} rows")
    features, explanation = explain(pipeline, classes)

    metrics = {
        "algorithm": "train_model.py",
        "model": params["model"],
        "params": {key: params[key] for key in ("model", "test_size", "seed")},
        "target": str(target),
        "classes": [str(label) for label in classes],
        "class_balance": {str(label): int(balance.get(label, 0)) for label in classes},
        "rows": int(len(df)),
        "rows_unlabelled": int(len(df) - len(labelled)),
        "rows_train": int(len(x_train)),
        "rows_test": int(len(x_test)),
        **results,
        "input_columns": {"numeric": [str(c) for c in numeric], "categorical": [str(c) for c in categorical], "excluded": {str(c): why for c, why in excluded.items()}},
        "features": features,
        **explanation,
        "train_seconds": round(train_seconds, 3),
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn.__version__},
    }
    outputs = os.path.join(DATA_ROOT, "outputs")
    os.makedirs(outputs, exist_ok=True)
    with open(os.path.join(outputs, "model.pkl"), "wb") as file:
        pickle.dump(pipeline, file, protocol=pickle.HIGHEST_PROTOCOL)
    with open(os.path.join(outputs, "metrics.json"), "w", encoding="utf-8") as file:
        json.dump(metrics, file, indent=2)
    log(f"wrote model.pkl ({os.path.getsize(os.path.join(outputs, 'model.pkl'))} bytes) and metrics.json")


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
