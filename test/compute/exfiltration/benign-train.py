#!/usr/bin/env python3
"""Benign: trains scikit-learn models on the dataset (the guard must release them): a logistic regression and a
random forest, each a Pipeline (one-hot + scaling) pickled whole, metrics.json, feature_importances.csv and
the logistic coefficients as a .npy."""
import json
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
OUTPUTS = os.path.join(DATA_ROOT, "outputs")
did = json.loads(os.environ["DIDS"])[0]
frame = pd.read_csv(os.path.join(DATA_ROOT, "inputs", did, "0"))

numeric = ["age", "income", "tenure_months", "monthly_spend", "support_tickets"]
categorical = ["city", "plan"]
features, target = frame[numeric + categorical], frame["churned"]
train_x, test_x, train_y, test_y = train_test_split(features, target, test_size=0.25, random_state=42, stratify=target)
models = {
    "logistic": LogisticRegression(max_iter=1000),
    "forest": RandomForestClassifier(n_estimators=50, random_state=42),
}
metrics = {"rows_train": int(len(train_x)), "rows_test": int(len(test_x))}
fitted = {}
for name, model in models.items():
    prepare = ColumnTransformer([("num", StandardScaler(), numeric), ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])
    pipeline = fitted[name] = Pipeline([("prepare", prepare), ("model", model)]).fit(train_x, train_y)
    scores = pipeline.predict_proba(test_x)[:, 1]
    predicted = pipeline.predict(test_x)
    metrics[name] = {
        "accuracy": float(accuracy_score(test_y, predicted)),
        "roc_auc": float(roc_auc_score(test_y, scores)),
        "confusion": confusion_matrix(test_y, predicted).tolist(),
    }
    with open(os.path.join(OUTPUTS, f"model-{name}.pkl"), "wb") as out:
        pickle.dump(pipeline, out)
    print(f"{name}: accuracy {metrics[name]['accuracy']:.3f}")

forest = fitted["forest"]
importances = pd.DataFrame({"feature": forest.named_steps["prepare"].get_feature_names_out(), "importance": forest.named_steps["model"].feature_importances_})
importances.to_csv(os.path.join(OUTPUTS, "feature_importances.csv"), index=False)
np.save(os.path.join(OUTPUTS, "coefficients.npy"), fitted["logistic"].named_steps["model"].coef_)
with open(os.path.join(OUTPUTS, "metrics.json"), "w", encoding="utf-8") as out:
    json.dump(metrics, out, indent=2)
