"""Training time of tuneup's gbdt kind against scikit-learn's HistGradientBoosting, same run.

Both grow the same number of rounds with the same knobs (learning rate 0.1, 31 leaves, 20 rows
per leaf, 255 bins, no L2, no early stopping, no subsampling) on the same training rows (the
table's first 80%), and are scored on the rest. tuneup's time is the sum of its rounds' fitting
time as recorded (`show --json`: binning and growing; not scoring each round) and the whole
`tuneup train` command's wall time; scikit-learn's the `fit` call's. Repeats: the best of N.

  python bench/gbdt_speed.py TUNEUP TABLE.csv TARGET ROUNDS REPEATS WORK_DIR
"""
import json
import os
import subprocess
import sys
import time

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor


def main(exe, table, target, rounds, repeats, work):
    rounds, repeats = int(rounds), int(repeats)
    df = pd.read_csv(table)
    n = int(len(df) * 0.8)
    with open(table, encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(f"{work}/train.csv", "w", encoding="utf-8") as f:
        f.write("\n".join(lines[: n + 1]) + "\n")
    env = dict(os.environ, TUNEUP_STORE=f"{work}/store.db")
    run = lambda *a: subprocess.run([exe, *a], cwd=work, env=env, check=True,
                                    capture_output=True, text=True).stdout
    run("init", "train.csv", "--target", target, "-o", "exp.toml")
    text = open(f"{work}/exp.toml").read()
    a, b = text.index("[model]"), text.index("[optimizer]")
    text = (text[:a] + f'[model]\nkind = "gbdt"\nrounds = {rounds}\nearly_stopping_rounds = 0\n'
            "learning_rate = 0.1\nmax_leaves = 31\nmin_leaf = 20\nmax_bins = 255\n\n" + text[b:])
    # The whole training split: validation is a hold-out of it, as sklearn's is none.
    open(f"{work}/gbdt.toml", "w").write(text)
    ours_fit, ours_wall = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = json.loads(run("train", "gbdt.toml", "--json"))
        ours_wall.append(time.perf_counter() - t0)
        shown = json.loads(run("show", str(out["run_id"]), "--json"))
        ours_fit.append(sum(e["fit_seconds"] for e in shown["epochs"]))
    rows = len(pd.read_csv(f"{work}/train.csv"))
    tr = df.iloc[:n].copy()
    y = tr.pop(target)
    ids = [c for c in tr.columns if c.lower() == "id"]
    tr = tr.drop(columns=ids)
    cats = [c for c in tr.columns if not pd.api.types.is_numeric_dtype(tr[c])]
    for c in cats:
        tr[c] = tr[c].astype("category")
    # tuneup trains on its 80% training split of these rows (20% validate): so does sklearn.
    tr, y = tr.iloc[: int(rows * 0.8)], y.iloc[: int(rows * 0.8)]
    regression = pd.api.types.is_float_dtype(y)
    cls = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    theirs = []
    for _ in range(repeats):
        m = cls(max_iter=rounds, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                max_bins=255, l2_regularization=0.0, early_stopping=False,
                categorical_features="from_dtype", random_state=0)
        t0 = time.perf_counter()
        m.fit(tr, y)
        theirs.append(time.perf_counter() - t0)
    f, w, t = min(ours_fit), min(ours_wall), min(theirs)
    print(f"{os.path.basename(table)}: {len(tr)} training rows, {rounds} rounds, best of {repeats}")
    print(f"  tuneup gbdt fit {f:.3f} s (whole `tuneup train` {w:.3f} s); "
          f"sklearn HGB fit {t:.3f} s; ratio tuneup/sklearn fit {f / t:.2f}x, wall {w / t:.2f}x")


if __name__ == "__main__":
    main(*sys.argv[1:7])
