"""The peers of bench/messy_tables.sh: scikit-learn on the same rows tuneup trains and tests on.

For each table: a seeded 20% test hold-out (stratified by class, or by target quintile for
regression) written as train.csv / test.csv with the file's own lines (tuneup reads them raw);
then, fitted on train.csv and scored on test.csv with the metric tuneup's init chooses:
  - linear: one-hot (unknown levels ignored) + median-imputed standardised numbers, then
    LogisticRegression (max_iter 5000) or Ridge (alpha 1);
  - HistGradientBoosting: native categorical support (pandas category dtype), numbers
    median-imputed, default settings, random_state 0.

  python bench/messy_tables.py TUNEUP DATA_DIR BUDGET WORK_DIR
prints one line per table: tuneup's test score (the final model of its improve chain), the
linear model's and HistGradientBoosting's, and how far tuneup is from each.
"""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def split(path, target, out):
    df = pd.read_csv(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header, rows = lines[0], lines[1:]
    assert len(rows) == len(df), "one line per row expected"
    y = df[target]
    if not pd.api.types.is_numeric_dtype(y):
        strata = y
    else:
        strata = pd.qcut(y, 5, labels=False, duplicates="drop")
    idx = np.arange(len(df))
    if len(df) * 0.2 < 2 * strata.nunique():
        strata = None  # too few rows to stratify (linnerud: 20 rows, 4 test rows)
    tr, te = train_test_split(idx, test_size=0.2, random_state=0, stratify=strata)
    for name, part in (("train", sorted(tr)), ("test", sorted(te))):
        with open(f"{out}/{name}.csv", "w", encoding="utf-8") as f:
            f.write(header + "\n")
            f.write("\n".join(rows[i] for i in part) + "\n")


def score(metric, truth, pred):
    if metric == "accuracy":
        return accuracy_score(truth, pred)
    if metric == "f1_macro":
        return f1_score(truth, pred, average="macro")
    if metric == "rmse":
        return float(np.sqrt(mean_squared_error(truth, pred)))
    raise SystemExit(f"unknown metric {metric}")


def one_hot(nums, cats, scale):
    """Median-imputed numbers (standardised with `scale`) and one-hot levels, a missing level
    its own and levels unseen in training ignored."""
    num = SimpleImputer(strategy="median")
    return ColumnTransformer(
        [
            ("num", make_pipeline(num, StandardScaler()) if scale else num, nums),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                cats,
            ),
        ]
    )


def hgb_native(tr, te, ytr, cats, nums, regression):
    """HistGradientBoosting's test predictions: native categories (a level unseen in training is
    missing to it, as tuneup's "unknown"), numbers median-imputed with the training medians,
    default settings, random_state 0."""
    tr, te = tr.copy(), te.copy()
    med = tr[nums].median()
    for d in (tr, te):
        d[nums] = d[nums].fillna(med)
        for c in cats:
            known = sorted(tr[c].dropna().unique())
            d[c] = pd.Categorical(d[c].where(d[c].isin(known)), categories=known)
    hgb = (HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier)(
        categorical_features="from_dtype", random_state=0
    )
    hgb.fit(tr, ytr)
    return hgb.predict(te)


def read_split(out, target):
    """train.csv and test.csv of `out` without their target and id columns: the frames, their
    targets, the categorical and the numeric column names."""
    tr = pd.read_csv(f"{out}/train.csv")
    te = pd.read_csv(f"{out}/test.csv")
    ytr, yte = tr.pop(target), te.pop(target)
    ids = [c for c in tr.columns if c.lower() == "id"]
    tr, te = tr.drop(columns=ids), te.drop(columns=ids)
    cats = [c for c in tr.columns if not pd.api.types.is_numeric_dtype(tr[c])]
    nums = [c for c in tr.columns if c not in cats]
    return tr, te, ytr, yte, cats, nums


def peers(out, target, metric):
    tr, te, ytr, yte, cats, nums = read_split(out, target)
    regression = metric == "rmse"
    linear = make_pipeline(
        one_hot(nums, cats, scale=True),
        Ridge(alpha=1.0) if regression else LogisticRegression(max_iter=5000),
    )
    linear.fit(tr, ytr)
    out_scores = {"linear": score(metric, yte, linear.predict(te))}
    out_scores["hgb"] = score(metric, yte, hgb_native(tr, te, ytr, cats, nums, regression))
    with open(f"{out}/peers.json", "w") as f:
        json.dump(out_scores, f)


TABLES = [
    ("credit_data", "Status"),
    ("attrition", "Attrition"),
    ("sacramento", "price"),
    ("islr_credit", "Balance"),
    ("creditcard", "card"),
]


def tuneup(exe, cwd, *args):
    r = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"tuneup {' '.join(args)} failed:\n{r.stderr[-3000:]}")
    return r.stdout


def main(exe, data, budget, work):
    print(f"{'table':12} {'metric':9} {'tuneup':>10} {'linear':>10} {'hgb':>10}  final model")
    only = sys.argv[5].split(",") if len(sys.argv) > 5 else None
    for name, target in TABLES:
        if only and name not in only:
            continue
        out = f"{work}/{name}"
        subprocess.run(["mkdir", "-p", out], check=True)
        split(f"{data}/{name}.csv", target, out)
        tuneup(exe, out, "improve", "train.csv", "--target", target, "--test", "test.csv",
               "--budget", budget, "--chain", name)
        last = json.loads(tuneup(exe, out, "history", name, "--json"))[-1]
        run = json.loads(tuneup(exe, out, "show", str(last["run_id"]), "--json"))
        metric = run["metric"]["name"]
        ours = run["metric"]["test"]
        peers(out, target, metric)
        theirs = json.loads(open(f"{out}/peers.json").read())
        print(f"{name:12} {metric:9} {ours:10.4f} {theirs['linear']:10.4f} {theirs['hgb']:10.4f}"
              f"  run {last['run_id']} ({run['kind']}, {run['model']})",
              flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])  # an optional 5th argument: only these tables (comma-separated)
