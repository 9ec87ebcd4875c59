# Datagora analysis template "train", version 1.0.0.
# Trains a linear regression, a logistic regression or a random forest (scikit-learn) on numeric feature columns
# and reports the model as numbers (coefficients, or each tree's split features, thresholds and leaf values) with
# metrics on a held-out split. Rows missing a feature or the target are left out.
#
# Parameters (checked by the node first): model ('linear' | 'logistic' | 'forest'), target, features,
# testFraction, seed; for a forest trees, maxDepth, minSamplesLeaf (the node holds it at or above the owner's
# minimum group size). A logistic target holds 0 and 1; a forest classifies a text target or one of at most 10
# whole numbers, and regresses any other. With noise (logistic only) it trains on every row a model of the
# λ-regularised loss (1/n)·Σ loss + (λ/2)·|w|² on features clipped to featureBounds and scaled, with the constant
# term, so each row's vector has L2 norm at most 1: its weights change by at most 2/(nλ) in L2 norm when one row
# does (Chaudhuri, Monteleoni and Sarwate, 2011). It reports those exact weights, n and λ for the node to perturb,
# and no metrics, which would be computed on the private data without noise.
# Writes result.json, or {error: {code, column?}} for a parameter the data cannot serve.

# --- the shared prelude (prelude.py) goes here: the node builds each template as one file ---

import warnings

import numpy as np
import pandas as pd

MAX_CLASSES = 10
MAX_LABEL_CHARS = 100
MIN_ROWS = 10


def short(value):
    """A float to 6 significant digits, as the node releases it: keeps a forest's result small."""
    return float(f"{float(value):.6g}")


def rows_of(frame, params):
    """The numeric features and the target's cells, of the rows where none is missing."""
    features = pd.DataFrame({column: numeric(frame, column) for column in params["features"]})
    target = column_text(frame, params["target"]).str.strip()
    keep = features.notna().all(axis=1) & ~target.isin(MISSING)
    if keep.sum() < MIN_ROWS:
        raise ParamError("too-few-rows")
    return features[keep].to_numpy(), target[keep]


def binary_target(frame, params, target):
    """The target as 0/1 integers; ParamError unless it holds both and nothing else."""
    values = numeric(frame, params["target"]).loc[target.index].to_numpy()
    if not set(np.unique(values)) == {0.0, 1.0}:
        raise ParamError("not-binary", params["target"])
    return values.astype(int)


def split(params, x, y, stratify):
    from sklearn.model_selection import train_test_split

    fraction = params["testFraction"]
    seed = params["seed"]
    try:
        return train_test_split(x, y, test_size=fraction, random_state=seed, stratify=y if stratify else None)
    except ValueError:  # a class too small to stratify
        return train_test_split(x, y, test_size=fraction, random_state=seed)


def classification_metrics(y_true, probabilities, classes):
    from sklearn.metrics import log_loss, roc_auc_score

    predicted = np.asarray(classes)[probabilities.argmax(axis=1)]
    metrics = {"accuracy": float((predicted == y_true).mean()), "logLoss": finite(log_loss(y_true, probabilities, labels=classes))}
    if len(classes) == 2:
        metrics["auc"] = finite(roc_auc_score(y_true == classes[1], probabilities[:, 1])) if len(set(y_true)) == 2 else None
    return metrics


def regression_metrics(y_true, predicted):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {
        "r2": finite(r2_score(y_true, predicted)),
        "rmse": finite(math.sqrt(mean_squared_error(y_true, predicted))),
        "mae": finite(mean_absolute_error(y_true, predicted)),
    }


def linear(frame, params, x, target):
    from sklearn.linear_model import LinearRegression

    y = numeric(frame, params["target"]).loc[target.index].to_numpy()
    x_train, x_test, y_train, y_test = split(params, x, y, False)
    model = LinearRegression().fit(x_train, y_train)
    return {
        "model": "linear",
        "coefficients": dict(zip(params["features"], map(float, model.coef_))),
        "intercept": float(model.intercept_),
        "metrics": regression_metrics(y_test, model.predict(x_test)),
        "n": len(y_train),
        "nTest": len(y_test),
    }


def logistic(frame, params, x, target):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    y = binary_target(frame, params, target)
    x_train, x_test, y_train, y_test = split(params, x, y, True)
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x_train), y_train)
    # Back to the features' own units: w·(x − mean)/scale + b.
    weights = model.coef_[0] / scaler.scale_
    return {
        "model": "logistic",
        "coefficients": dict(zip(params["features"], map(float, weights))),
        "intercept": float(model.intercept_[0] - weights @ scaler.mean_),
        "metrics": classification_metrics(y_test, model.predict_proba(scaler.transform(x_test)), [0, 1]),
        "n": len(y_train),
        "nTest": len(y_test),
    }


def private_logistic(frame, params, x, target):
    from sklearn.linear_model import LogisticRegression

    y = binary_target(frame, params, target)
    bounds = np.array([params["featureBounds"][column] for column in params["features"]], dtype=float)
    low, high = bounds[:, 0], bounds[:, 1]
    scale = 1 / math.sqrt(len(params["features"]) + 1)
    # Each feature in [-scale, scale] and the constant term `scale`: the row's vector has norm at most 1.
    unit = (np.clip(x, low, high) - (low + high) / 2) / ((high - low) / 2) * scale
    unit = np.hstack([unit, np.full((len(unit), 1), scale)])
    n = len(y)
    # scikit-learn minimises |w|²/2 + C·Σ loss: C = 1/(nλ) gives the same minimum as (1/n)·Σ loss + (λ/2)·|w|².
    model = LogisticRegression(C=1 / (n * params["l2"]), fit_intercept=False, tol=1e-10, max_iter=10000).fit(unit, y)
    weights = model.coef_[0]
    return {"model": "logistic", "coefficients": dict(zip(params["features"], map(float, weights[:-1]))), "intercept": float(weights[-1]), "n": n, "l2": params["l2"]}


def labels_of(frame, params, target):
    """The forest's task and its target: classes for a text target or a few whole numbers, else numbers."""
    try:
        values = numeric(frame, params["target"]).loc[target.index].to_numpy()
    except ParamError:
        values = None
    if values is not None and (len(np.unique(values)) > MAX_CLASSES or not np.all(values == np.round(values))):
        return "regression", values
    labels = target.to_numpy() if values is None else np.array([f"{v:g}" for v in values])
    if len(np.unique(labels)) > MAX_CLASSES:
        raise ParamError("too-many-classes", params["target"])
    if any(len(label) > MAX_LABEL_CHARS for label in np.unique(labels)):
        raise ParamError("label-too-long", params["target"])
    # A class label comes from the data: a class smaller than a leaf is a value of a few rows.
    if pd.Series(labels).value_counts().min() < params["minSamplesLeaf"]:
        raise ParamError("small-class", params["target"])
    return "classification", labels


def export_tree(estimator, classification):
    tree = estimator.tree_
    leaf = tree.children_left == -1
    values = tree.value[:, 0, :]
    if classification:
        values = values / values.sum(axis=1, keepdims=True)
    return {
        "feature": [-1 if is_leaf else int(f) for f, is_leaf in zip(tree.feature, leaf)],
        "threshold": [0.0 if is_leaf else short(t) for t, is_leaf in zip(tree.threshold, leaf)],
        "left": [int(i) for i in tree.children_left],
        "right": [int(i) for i in tree.children_right],
        "value": [[short(v) for v in row] if is_leaf else [] for row, is_leaf in zip(values, leaf)],
    }


def forest(frame, params, x, target):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    task, y = labels_of(frame, params, target)
    classification = task == "classification"
    x_train, x_test, y_train, y_test = split(params, x, y, classification)
    options = {"n_estimators": params["trees"], "max_depth": params["maxDepth"], "min_samples_leaf": params["minSamplesLeaf"], "random_state": params["seed"], "n_jobs": 1}
    model = (RandomForestClassifier if classification else RandomForestRegressor)(**options).fit(x_train, y_train)
    result = {"model": "forest", "task": task, "features": params["features"]}
    if classification:
        result["classes"] = [str(label) for label in model.classes_]
        metrics = classification_metrics(y_test, model.predict_proba(x_test), list(model.classes_))
    else:
        metrics = regression_metrics(y_test, model.predict(x_test))
    trees = [export_tree(estimator, classification) for estimator in model.estimators_]
    return {**result, "trees": trees, "metrics": metrics, "n": len(y_train), "nTest": len(y_test)}


def compute(frame, params):
    warnings.simplefilter("ignore")
    x, target = rows_of(frame, params)
    if params["model"] == "linear":
        return linear(frame, params, x, target)
    if params["model"] == "forest":
        return forest(frame, params, x, target)
    return private_logistic(frame, params, x, target) if "noise" in params else logistic(frame, params, x, target)


run(compute)
