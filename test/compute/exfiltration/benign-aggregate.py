#!/usr/bin/env python3
"""Benign: grouped aggregates (the guard must release them). Per city and plan: count, mean income, mean monthly
spend, churn rate; groups under min_group_size (parameter, default 10) suppressed. Also summary.json (whole-table
statistics and a describe() of the numeric columns) and progress lines on stdout."""
import json
import os

import pandas as pd

DATA_ROOT = os.environ.get("DATA_ROOT", "/data")
OUTPUTS = os.path.join(DATA_ROOT, "outputs")


def dataset_path():
    did = json.loads(os.environ["DIDS"])[0]
    return os.path.join(DATA_ROOT, "inputs", did, "0")


def params():
    path = os.path.join(DATA_ROOT, "inputs", "algoCustomData.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as file:
        return json.load(file)


k = int(params().get("min_group_size", 10))
frame = pd.read_csv(dataset_path())
print(f"rows: {len(frame)}, columns: {', '.join(frame.columns)}")
groups = frame.groupby(["city", "plan"]).agg(
    count=("customer_id", "size"),
    income_mean=("income", "mean"),
    spend_mean=("monthly_spend", "mean"),
    churn_rate=("churned", "mean"),
).reset_index()
kept = groups[groups["count"] >= k]
kept.to_csv(os.path.join(OUTPUTS, "stats.csv"), index=False)
print(f"groups: {len(groups)}, reported: {len(kept)}")
numeric = frame.select_dtypes("number")
summary = {
    "rows": int(len(frame)),
    "churn_rate": float(frame["churned"].mean()),
    "describe": json.loads(numeric.describe().to_json()),
    "correlation_income_spend": float(frame["income"].corr(frame["monthly_spend"])),
}
with open(os.path.join(OUTPUTS, "summary.json"), "w", encoding="utf-8") as out:
    json.dump(summary, out, indent=2)
print(numeric.describe().round(2).to_string())
