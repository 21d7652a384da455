"""tuneup on raw e-mails (../shared/data/text/spam_assassin.csv.gz) against scikit-learn's
TF-IDF (word 1-2-grams) + logistic regression on the same rows.

A seeded, stratified 20% test hold-out is written beside the training rows; tuneup improves
from the raw training file (`tuneup improve train.csv.gz --target label --test test.csv.gz`),
its final model predicts the test rows; the peer's regularisation (C) is chosen by 5-fold CV on
the training rows. Both print test accuracy and F1 of the spam class.

    python bench/text.py TUNEUP DATA_DIR BUDGET WORK_DIR
"""

import json
import sys

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from messy_tables import tuneup


def main(exe, data, budget, work):
    df = pd.read_csv(f"{data}/text/spam_assassin.csv.gz", keep_default_na=False)
    tr, te = train_test_split(df, test_size=0.2, stratify=df["label"], random_state=0)
    tr.to_csv(f"{work}/train.csv.gz", index=False)
    te.to_csv(f"{work}/test.csv.gz", index=False)

    peer = GridSearchCV(
        make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            LogisticRegression(max_iter=2000),
        ),
        {"logisticregression__C": [1, 10, 100]},
        cv=5,
        n_jobs=2,
    )
    peer.fit(tr["text"], tr["label"])
    pred = peer.predict(te["text"])
    theirs = (accuracy_score(te["label"], pred), f1_score(te["label"], pred, pos_label="spam"))

    tuneup(exe, work, "improve", "train.csv.gz", "--target", "label", "--test", "test.csv.gz",
           "--budget", budget, "--chain", "spam")
    ledger = json.loads(tuneup(exe, work, "history", "spam", "--json"))
    final = ledger[-1]["run_id"]
    show = json.loads(tuneup(exe, work, "show", str(final), "--json"))
    tuneup(exe, work, "predict", str(final), "test.csv.gz", "-o", "pred.csv")
    ours_pred = pd.read_csv(f"{work}/pred.csv")
    ours_pred = te[["id"]].merge(ours_pred, on="id")
    label = [c for c in ours_pred.columns if c != "id"][0]
    ours = (accuracy_score(te["label"], ours_pred[label]),
            f1_score(te["label"], ours_pred[label], pos_label="spam"))

    print(f"test rows {len(te)} (spam {int((te['label'] == 'spam').sum())}), train rows {len(tr)}")
    print(f"{'':34} {'accuracy':>9} {'F1 spam':>9}")
    print(f"{'tuneup improve (' + budget + ')':34} {ours[0]:9.4f} {ours[1]:9.4f}"
          f"   final run {final}: {show['kind']}, {show['model']}")
    print(f"{'TF-IDF 1-2-grams + LR (C=' + str(peer.best_params_['logisticregression__C']) + ')':34}"
          f" {theirs[0]:9.4f} {theirs[1]:9.4f}")
    print("chain:")
    for step in ledger:
        print("  ", {k: step.get(k) for k in ("step", "kind", "state", "run_id", "remedy", "value", "reason")})


if __name__ == "__main__":
    main(*sys.argv[1:5])
