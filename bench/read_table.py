"""Writes the reading benchmark's table and times pandas on it (bench/read_table.sh).

  python bench/read_table.py make FILE ROWS   # ROWS x 50: 40 floats, 5 small ints, 5 text
                                              # categories; 2% of the float cells empty
  python bench/read_table.py pandas FILE      # one JSON line: pandas.read_csv seconds
"""
import json
import sys
import time

import numpy as np


def make(path, rows):
    rng = np.random.default_rng(0)
    cols = {}
    for i in range(40):
        v = np.round(rng.normal(size=rows) * 100, 3).astype(str)
        v[rng.random(rows) < 0.02] = ""
        cols[f"f{i}"] = v
    for i in range(5):
        cols[f"n{i}"] = rng.integers(0, 1000, size=rows).astype(str)
    levels = np.array([f"level_{k}" for k in range(30)])
    for i in range(5):
        cols[f"c{i}"] = levels[rng.integers(0, 30, size=rows)]
    names = list(cols)
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        block = 100_000
        for s in range(0, rows, block):
            part = np.stack([cols[n][s : s + block] for n in names], axis=1)
            f.write("\n".join(",".join(r) for r in part) + "\n")


def pandas(path):
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(path)
    s = time.perf_counter() - t
    print(json.dumps({"rows": len(df), "columns": df.shape[1], "read_s": round(s, 3)}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        pandas(sys.argv[2])
