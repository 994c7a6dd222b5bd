"""Baselines for the EDA network on the same inputs and folds: SVR / SVC (scikit-learn) and
gradient-boosted trees (xgboost), fitted on each fold's `fold-K/features.nc` that
`tandem compare` writes, scored on the fold's test points like the network (RMSE and Pearson r
of EDA in µS, accuracy and macro-F1 of the classes). Prints one Markdown row per method with
mean ± std over the folds, and the package versions.

Usage: eda_baselines.py RUN_DIRECTORY [--network]
"""
import glob
import json
import os
import sys
import time

import netCDF4
import numpy as np
import sklearn
import xgboost
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR


def load(path):
    with netCDF4.Dataset(path) as f:
        get = lambda name: np.asarray(f.variables[name][:], dtype=float)
        return {k: get(k) for k in ["x_train", "eda_train", "label_train", "x_test", "eda_test", "label_test"]}


def methods(seed):
    return {
        "SVR / SVC (RBF, scikit-learn)": (
            lambda: make_pipeline(StandardScaler(), SVR(C=10.0, epsilon=0.01, gamma="scale")),
            lambda: make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale")),
        ),
        "gradient-boosted trees (xgboost)": (
            lambda: xgboost.XGBRegressor(n_estimators=400, max_depth=6, learning_rate=0.05, subsample=0.8, random_state=seed, n_jobs=2),
            lambda: xgboost.XGBClassifier(n_estimators=400, max_depth=6, learning_rate=0.05, subsample=0.8, random_state=seed, n_jobs=2),
        ),
    }


def pm(values, fmt="%.4f"):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return (fmt % np.mean(values)) + " ± " + (fmt % (np.std(values, ddof=1) if len(values) > 1 else 0.0))


def main():
    run = sys.argv[1]
    folds = sorted(glob.glob(os.path.join(run, "fold-*/features.nc")), key=lambda p: int(p.split("fold-")[1].split("/")[0]))
    if not folds:
        sys.exit(f"no fold-*/features.nc in {run}: run `tandem compare {run}` first")
    print(f"eda baselines: scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__}, numpy {np.__version__}; {len(folds)} folds of {run}")
    print("| method | RMSE (µS) | Pearson r | accuracy | macro-F1 | seconds |")
    print("|---|---|---|---|---|---|")
    for name, (regressor, classifier) in methods(0).items():
        rmse, r, accuracy, f1, seconds = [], [], [], [], 0.0
        for path in folds:
            d = load(path)
            start = time.time()
            model = regressor().fit(d["x_train"], d["eda_train"])
            p = model.predict(d["x_test"])
            rmse.append(float(np.sqrt(np.mean((p - d["eda_test"]) ** 2))))
            r.append(float(np.corrcoef(p, d["eda_test"])[0, 1]))
            labelled = d["label_train"] >= 0
            if labelled.any() and len(np.unique(d["label_train"][labelled])) > 1:
                c = classifier().fit(d["x_train"][labelled], d["label_train"][labelled].astype(int))
                test = d["label_test"] >= 0
                guess = c.predict(d["x_test"][test])
                accuracy.append(float(np.mean(guess == d["label_test"][test])))
                f1.append(float(f1_score(d["label_test"][test].astype(int), guess, average="macro")))
            seconds += time.time() - start
        print(f"| {name} | {pm(rmse)} | {pm(r)} | {pm(accuracy or [None])} | {pm(f1 or [None])} | {seconds:.1f} |")
    metrics = os.path.join(run, "metrics.json")
    if os.path.exists(metrics):
        m = json.load(open(metrics))
        cell = lambda k: "–" if not isinstance(m.get(k), dict) else "%.4f ± %.4f" % (m[k]["mean"], m[k]["std"])
        print(f"| Tandem EDA network ({'/'.join(m['tasks'])}) | {cell('rmse_uS')} | {cell('pearson_r')} | {cell('accuracy')} | {cell('macro_f1')} | – |")


if __name__ == "__main__":
    main()
