# Datagora analysis template "evaluate", version 1.1.0.
# Scores the buyer's model (the file the node places at /data/inputs/model.pkl) on the dataset: a classifier's
# accuracy, precision, recall, F1 and, for a binary one with probabilities, ROC AUC; a regressor's R², RMSE and
# MAE; and how many rows were scored (those with no feature or target missing). A model given as numbers (JSON in
# the shape the train template releases: linear or logistic coefficients, or a forest's trees) is scored by this
# template's own code, so no code of the buyer's touches the data; a pickled scikit-learn estimator runs the
# buyer's code when loaded: the sandbox contains it, and the node releases only this fixed shape, rounded.
#
# Parameters (checked by the node first): target, features (in the order the model takes them). Writes
# result.json, or {error: {code, column?}} for a parameter the data or the model cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

import pickle
import warnings

import numpy as np
import pandas as pd

MODEL = os.path.join(INPUTS, "model.pkl")


class DeclaredModel:
    """A model given as numbers in the train template's shape, predicting with numpy: no code of the buyer's."""

    def __init__(self, spec, features):
        self.kind = spec.get("model")
        if self.kind in ("linear", "logistic"):
            weights = spec["coefficients"]
            if sorted(weights) != sorted(features):
                raise ParamError("model-unreadable")
            self.weights = np.array([float(weights[column]) for column in features])
            self.intercept = float(spec["intercept"])
            self.classes_ = np.array([0, 1])
        elif self.kind == "forest":
            if spec["features"] != list(features):
                raise ParamError("model-unreadable")
            self.trees = spec["trees"]
            self.task = spec["task"]
            self.classes_ = np.array(spec.get("classes") or [])
        else:
            raise ParamError("model-unreadable")

    @property
    def classifier(self):
        return self.kind == "logistic" or (self.kind == "forest" and self.task == "classification")

    def _leaves(self, x):
        """Each tree's leaf value for each row, walked from the root (depth is bounded by the train template)."""
        rows = np.asarray(x, dtype=float)
        out = []
        for tree in self.trees:
            values = []
            for row in rows:
                node = 0
                for _ in range(len(tree["feature"])):
                    if tree["left"][node] == -1:
                        break
                    node = tree["left"][node] if row[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
                values.append(tree["value"][node])
            out.append(values)
        return np.asarray(out, dtype=float).mean(axis=0)

    def predict_proba(self, x):
        if self.kind == "logistic":
            positive = 1 / (1 + np.exp(-(np.asarray(x, dtype=float) @ self.weights + self.intercept)))
            return np.column_stack([1 - positive, positive])
        return self._leaves(x)

    def predict(self, x):
        if self.kind == "linear":
            return np.asarray(x, dtype=float) @ self.weights + self.intercept
        if self.kind == "forest" and self.task == "regression":
            return self._leaves(x)[:, 0]
        labels = self.classes_
        if self.kind == "forest" and all(label.lstrip("-").isdigit() for label in labels):
            labels = labels.astype(int)
        return np.asarray(labels)[self.predict_proba(x).argmax(axis=1)]


def load_model(features):
    """The buyer's model: numbers in JSON, else a pickle (whose loading runs the buyer's code, in the sandbox)."""
    with open(MODEL, "rb") as file:
        raw = file.read()
    if raw.lstrip()[:1] == b"{":
        return DeclaredModel(json.loads(raw), features)
    return pickle.loads(raw)


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
        model = load_model(params["features"])
    except Exception:  # noqa: BLE001 - whatever the file holds, the answer is the same
        raise ParamError("model-unreadable") from None
    classifier = model.classifier if isinstance(model, DeclaredModel) else is_classifier(model)
    try:
        task, metrics = (classification if classifier else regression)(y, model, x)
    except ParamError:
        raise
    except Exception:  # noqa: BLE001 - the model's own failure; its message may quote the data
        raise ParamError("model-failed") from None
    return {"task": task, "metrics": metrics, "n": int(keep.sum())}


run(compute)
