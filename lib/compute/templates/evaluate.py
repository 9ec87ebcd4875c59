# Datagora analysis template "evaluate", version 1.0.0.
# Scores the buyer's model (a pickled scikit-learn estimator the node places at /data/inputs/model.pkl) on the
# dataset: a classifier's accuracy, precision, recall, F1 and, for a binary one with probabilities, ROC AUC; a
# regressor's R², RMSE and MAE; and how many rows were scored (those with no feature or target missing).
# Loading the model runs the buyer's code: the sandbox contains it, and the node releases only this fixed
# shape, rounded, whatever the model writes.
#
# Parameters (checked by the node first): target, features (in the order the model takes them). Writes
# result.json, or {error: {code, column?}} for a parameter the data or the model cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

import pickle
import warnings

import numpy as np
import pandas as pd

MODEL = os.path.join(INPUTS, "model.pkl")


def classification(y_true, model, x):
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

    predicted = model.predict(x)
    binary = set(np.unique(y_true)) | set(np.unique(predicted)) <= {0, 1}
    average = "binary" if binary else "macro"
    metrics = {
        "accuracy": float(accuracy_score(y_true, predicted)),
        "precision": float(precision_score(y_true, predicted, average=average, zero_division=0)),
        "recall": float(recall_score(y_true, predicted, average=average, zero_division=0)),
        "f1": float(f1_score(y_true, predicted, average=average, zero_division=0)),
    }
    if binary and len(np.unique(y_true)) == 2 and hasattr(model, "predict_proba") and 1 in list(model.classes_):
        metrics["auc"] = finite(roc_auc_score(y_true, model.predict_proba(x)[:, list(model.classes_).index(1)]))
    return "classification", metrics


def regression(y_true, model, x):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    predicted = np.asarray(model.predict(x), dtype=float)
    if not np.all(np.isfinite(predicted)):
        raise ParamError("model-failed")
    metrics = {
        "r2": finite(r2_score(y_true, predicted)),
        "rmse": finite(math.sqrt(mean_squared_error(y_true, predicted))),
        "mae": finite(mean_absolute_error(y_true, predicted)),
    }
    return "regression", metrics


def compute(frame, params):
    from sklearn.base import is_classifier

    warnings.simplefilter("ignore")
    features = pd.DataFrame({column: numeric(frame, column) for column in params["features"]})
    cells = column_text(frame, params["target"]).str.strip()
    try:
        target = numeric(frame, params["target"])
    except ParamError:
        target = cells.where(~cells.isin(MISSING))
    keep = features.notna().all(axis=1) & target.notna()
    if keep.sum() == 0:
        raise ParamError("too-few-rows")
    x, y = features[keep], target[keep].to_numpy()
    if y.dtype == float and np.all(y == np.round(y)):
        y = y.astype(int)
    if not os.path.exists(MODEL):
        raise ParamError("model-missing")
    try:
        with open(MODEL, "rb") as file:
            model = pickle.load(file)
    except Exception:  # noqa: BLE001 - whatever the file holds, the answer is the same
        raise ParamError("model-unreadable") from None
    try:
        task, metrics = (classification if is_classifier(model) else regression)(y, model, x)
    except ParamError:
        raise
    except Exception:  # noqa: BLE001 - the model's own failure; its message may quote the data
        raise ParamError("model-failed") from None
    return {"task": task, "metrics": metrics, "n": int(keep.sum())}


run(compute)
