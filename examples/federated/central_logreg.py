#!/usr/bin/env python3
"""The model local_logreg.py trains federated, trained centrally instead, and the accuracy of either.

Central training pools every CSV in one place, which a market job never does with compute-only data: it is
the yardstick that federated training is measured against (the same parameters, loss, standardisation and
model format; `epochs` full-batch steps from the zero model).

  central_logreg.py train PARAMS.json MODEL.json CSV [CSV ...]      writes the model (a flat JSON array)
  central_logreg.py accuracy PARAMS.json MODEL.json CSV [CSV ...]   prints {"accuracy": a, "rows": n}

PARAMS.json holds the parameters of local_logreg.py (label, features, mean, scale, lr, epochs, l2).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_logreg as step  # noqa: E402 - the local step's own code, so both train the same model

USAGE = "usage: central_logreg.py train|accuracy PARAMS.json MODEL.json CSV [CSV ...]"


def main(argv):
    import numpy as np

    if len(argv) < 4 or argv[0] not in ("train", "accuracy"):
        raise step.UsageError(USAGE)
    command, params_file, model_file, csvs = argv[0], argv[1], argv[2], argv[3:]
    params = step.load_params(params_file)
    x, y = step.read_rows(csvs, params)
    dimension = len(params["features"]) + 1
    if command == "train":
        model = step.train(x, y, np.zeros(dimension), params["lr"], params["epochs"], params["l2"])
        with open(model_file, "w", encoding="ascii") as file:
            json.dump([float(v) for v in model], file, allow_nan=False)
    else:
        model = step.read_model(model_file, dimension)
        print(json.dumps({"accuracy": float((step.predict(x, model) == y).mean()), "rows": int(len(y))}))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001 - the local step's leak-safe report
        step.fail(error)
