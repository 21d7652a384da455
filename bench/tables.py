"""The peers of bench/tables.sh: tuneup's improve chain on every table of ../shared/data/tabular
and ../shared/data/messy, against scikit-learn on the same rows.

For each table: a seeded 20% test hold-out (stratified by class, or by target quintile for
regression; bench/messy_tables.py's `split`), written as train.csv / test.csv with the file's
own lines; `tuneup improve train.csv --target COL --test test.csv --budget BUDGET`; then every
run of the chain scored on test.csv (`tuneup eval`): the chain's final model, its best net and
its best gbdt (best by the chain's own held-out value, as a user would pick them, not by test),
with the value the final model was chosen on and its honest (bootstrap bias-corrected) value;
and, fitted on train.csv with the metric tuneup's init chooses, scikit-learn's
HistGradientBoosting (native categories, default settings) and RandomForest (500 trees, one-hot
levels, median-imputed numbers), both random_state 0.

  python bench/tables.py TUNEUP DATA_DIR BUDGET WORK_DIR [TABLES]
prints one line per table and a last line counting where the final model is at least as good as
the better scikit-learn model.
"""
import json
import os
import re
import subprocess
import sys

from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline

sys.path.insert(0, os.path.dirname(__file__))
from messy_tables import hgb_native, one_hot, read_split, score, split, tuneup  # noqa: E402

TABLES = [
    ("tabular/iris", "target"),
    ("tabular/wine", "target"),
    ("tabular/breast_cancer", "target"),
    ("tabular/digits_8x8", "label"),
    ("tabular/diabetes_raw", "target"),
    ("tabular/autompg", "target"),
    ("tabular/linnerud_weight", "target"),
    ("messy/credit_data", "Status"),
    ("messy/attrition", "Attrition"),
    ("messy/sacramento", "price"),
    ("messy/islr_credit", "Balance"),
    ("messy/creditcard", "card"),
]


def peers(out, target, metric):
    tr, te, ytr, yte, cats, nums = read_split(out, target)
    regression = metric == "rmse"
    scores = {}
    rf = make_pipeline(
        one_hot(nums, cats, scale=False),
        (RandomForestRegressor if regression else RandomForestClassifier)(
            n_estimators=500, random_state=0, n_jobs=2
        ),
    )
    rf.fit(tr, ytr)
    scores["rf"] = score(metric, yte, rf.predict(te))
    scores["hgb"] = score(metric, yte, hgb_native(tr, te, ytr, cats, nums, regression))
    return scores


def better(metric, a, b):
    """Whether score a is at least as good as b."""
    return a <= b if metric == "rmse" else a >= b


def main(exe, data, budget, work):
    only = sys.argv[5].split(",") if len(sys.argv) > 5 else None
    print(f"{'table':16} {'metric':9} {'chosen':>8} {'honest':>8} {'final':>10} {'best net':>10} "
          f"{'best gbdt':>10} {'HGB':>10} {'RF':>10}  final model")
    wins, total = 0, 0
    for path, target in TABLES:
        name = path.split("/")[1]
        if only and name not in only:
            continue
        out = f"{work}/{name}"
        subprocess.run(["mkdir", "-p", out], check=True)
        split(f"{data}/{path}.csv", target, out)
        tuneup(exe, out, "improve", "train.csv", "--target", target, "--test", "test.csv",
               "--budget", budget, "--chain", name)
        ledger = json.loads(tuneup(exe, out, "history", name, "--json"))
        final = ledger[-1]["run_id"]
        # The chain's trained runs with their held-out value (as the chain judged them).
        judged = [s for s in ledger if s.get("run_id") and s.get("value") is not None
                  and s["kind"] != "final"]
        test = lambda run: json.loads(tuneup(exe, out, "eval", str(run), "test.csv", "--json"))
        final_eval = test(final)
        metric = final_eval["metric"]["name"]
        higher = metric != "rmse"
        best = {}
        for s in judged:
            model = json.loads(tuneup(exe, out, "show", str(s["run_id"]), "--json"))["model"]
            family = "gbdt" if model == "gbdt" else ("net" if model not in ("ensemble",) else None)
            if family is None:
                continue
            v = s["value"]
            if family not in best or (v > best[family][1] if higher else v < best[family][1]):
                best[family] = (s["run_id"], v)
        fam = {f: test(r)["metric"]["value"] for f, (r, _) in best.items()}
        theirs = peers(out, target, metric)
        ours = final_eval["metric"]["value"]
        top = max(theirs.values()) if higher else min(theirs.values())
        total += 1
        wins += better(metric, ours, top)
        show = lambda v: f"{v:10.4f}" if v is not None else f"{'-':>10}"
        model = json.loads(tuneup(exe, out, "show", str(final), "--json"))["model"]
        # The value the final model was chosen on (validation or out-of-fold) and its honest
        # (bootstrap bias-corrected) value, as the final step says them.
        m = re.search(r"chosen on [\w-]+ \S+ ([-\d.]+); honest \S+ ([-\d.]+)", ledger[-1]["reason"])
        chosen, honest = (float(m.group(1)), float(m.group(2))) if m else (None, None)
        short = lambda v: f"{v:8.4f}" if v is not None else f"{'-':>8}"
        print(f"{name:16} {metric:9} {short(chosen)} {short(honest)} {show(ours)} "
              f"{show(fam.get('net'))} {show(fam.get('gbdt'))} "
              f"{show(theirs['hgb'])} {show(theirs['rf'])}  run {final} ({model})", flush=True)
    print(f"final model at least as good as the better of HGB and RF on {wins} of {total} tables")


if __name__ == "__main__":
    main(*sys.argv[1:5])
