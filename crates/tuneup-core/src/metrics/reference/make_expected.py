"""Expected metric values for tuneup's metric tests, computed by the reference libraries.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install scikit-learn==1.9.1 sacrebleu==2.6.0 jiwer==4.0.0
    /tmp/ref/bin/python make_expected.py > expected.json

Fixtures: a binary problem (imbalanced 2:1, tied scores), a four-class problem (imbalanced,
probabilities on a 1/20 grid so scores tie, one predicted class never true), regression values
(with a zero target for MAPE), and sentence pairs exercising the 13a tokenizer.
"""
import json
import numpy as np
import jiwer
import sacrebleu
import sklearn
from sklearn import metrics as M

rng = np.random.default_rng(7)
cases = []


def add(metric, kind, expected, **data):
    cases.append({"metric": metric, "kind": kind, "expected": float(expected), **data})


# Binary: 24 samples, 16 positives; scores on a 0.1 grid (ties).
yb = np.array([1] * 16 + [0] * 8)
rng.shuffle(yb)
sb = np.clip(np.round(0.35 * yb + rng.uniform(0.1, 0.7, size=yb.size), 1), 0.0, 1.0)
pb = np.stack([1 - sb, sb], axis=1)
predb = (sb >= 0.5).astype(int)
bdata = dict(truth=yb.tolist(), pred=predb.tolist(), proba=pb.ravel().tolist(), n_classes=2)
add("accuracy", "classes", M.accuracy_score(yb, predb), **bdata)
add("balanced_accuracy", "classes", M.balanced_accuracy_score(yb, predb), **bdata)
for name, f in [("precision", M.precision_score), ("recall", M.recall_score), ("f1", M.f1_score)]:
    add(name, "classes", f(yb, predb), **bdata)
    for avg in ["micro", "macro", "weighted"]:
        add(f"{name}_{avg}", "classes", f(yb, predb, average=avg), **bdata)
add("f2", "classes", M.fbeta_score(yb, predb, beta=2), **bdata)
add("f0.5_weighted", "classes", M.fbeta_score(yb, predb, beta=0.5, average="weighted"), **bdata)
add("mcc", "classes", M.matthews_corrcoef(yb, predb), **bdata)
add("cohen_kappa", "classes", M.cohen_kappa_score(yb, predb), **bdata)
add("log_loss", "classes", M.log_loss(yb, pb), **bdata)
add("roc_auc", "classes", M.roc_auc_score(yb, sb), **bdata)
add("average_precision", "classes", M.average_precision_score(yb, sb), **bdata)
# The positive class chosen: class 0.
add("f1", "classes", M.f1_score(yb, predb, pos_label=0), positive=0, **bdata)
add("roc_auc", "classes", M.roc_auc_score(1 - yb, pb[:, 0]), positive=0, **bdata)

# Four classes, imbalanced (12, 9, 6, 3 samples); probabilities on a 1/20 grid.
ym = np.array([0] * 12 + [1] * 9 + [2] * 6 + [3] * 3)
rng.shuffle(ym)
rows = []
for t in ym:
    w = rng.integers(1, 6, size=4).astype(float)
    w[t] += rng.integers(0, 8)
    c = np.floor(w / w.sum() * 20)
    c[np.argmax(c)] += 20 - c.sum()
    rows.append(c / 20)
pm = np.array(rows)
predm = np.argmax(pm, axis=1)
predm[0] = 3 if ym[0] != 3 else 2  # make sure predictions and truth disagree somewhere odd
mdata = dict(truth=ym.tolist(), pred=predm.tolist(), proba=pm.ravel().tolist(), n_classes=4)
add("accuracy", "classes", M.accuracy_score(ym, predm), **mdata)
add("balanced_accuracy", "classes", M.balanced_accuracy_score(ym, predm), **mdata)
for name, f in [("precision", M.precision_score), ("recall", M.recall_score), ("f1", M.f1_score)]:
    for avg in ["micro", "macro", "weighted"]:
        add(f"{name}_{avg}", "classes", f(ym, predm, average=avg, zero_division=0), **mdata)
add("f2_macro", "classes", M.fbeta_score(ym, predm, beta=2, average="macro", zero_division=0), **mdata)
add("f0.5_macro", "classes", M.fbeta_score(ym, predm, beta=0.5, average="macro", zero_division=0), **mdata)
add("mcc", "classes", M.matthews_corrcoef(ym, predm), **mdata)
add("cohen_kappa", "classes", M.cohen_kappa_score(ym, predm), **mdata)
add("log_loss", "classes", M.log_loss(ym, pm), **mdata)
add("roc_auc_ovr", "classes", M.roc_auc_score(ym, pm, multi_class="ovr", average="macro"), **mdata)
add("roc_auc_ovr_weighted", "classes", M.roc_auc_score(ym, pm, multi_class="ovr", average="weighted"), **mdata)
add("average_precision_macro", "classes", M.average_precision_score(np.eye(4)[ym], pm, average="macro"), **mdata)
add("average_precision_weighted", "classes", M.average_precision_score(np.eye(4)[ym], pm, average="weighted"), **mdata)
for k in (1, 2, 3):
    add(f"top{k}_accuracy", "classes", M.top_k_accuracy_score(ym, pm, k=k, labels=[0, 1, 2, 3]), **mdata)

# A prediction of a class that never occurs in the truth: it still counts in the macro mean.
yx = np.array([0, 0, 1, 1, 1, 2, 2, 0])
px = np.array([0, 3, 1, 1, 2, 2, 2, 0])
xdata = dict(truth=yx.tolist(), pred=px.tolist(), n_classes=4)
for avg in ["macro", "weighted", "micro"]:
    add(f"f1_{avg}", "classes", M.f1_score(yx, px, average=avg, zero_division=0), **xdata)
add("balanced_accuracy", "classes", M.balanced_accuracy_score(yx, px), **xdata)

# Regression.
yt = np.round(rng.uniform(0, 50, size=20), 3)
yt[3] = 0.0
yp = np.round(yt + rng.normal(0, 4, size=20), 3).clip(0)
rdata = dict(truth=yt.tolist(), pred=yp.tolist())
add("mse", "values", M.mean_squared_error(yt, yp), **rdata)
add("rmse", "values", M.root_mean_squared_error(yt, yp), **rdata)
add("mae", "values", M.mean_absolute_error(yt, yp), **rdata)
add("r2", "values", M.r2_score(yt, yp), **rdata)
add("mape", "values", M.mean_absolute_percentage_error(yt, yp), **rdata)
add("rmsle", "values", M.root_mean_squared_log_error(yt, yp), **rdata)
add("r2", "values", M.r2_score([3.0, 3.0, 3.0], [3.0, 2.0, 3.0]), truth=[3.0, 3.0, 3.0], pred=[3.0, 2.0, 3.0])

# Text.
refs = [
    "The cat sat on the mat.",
    "It costs $3.50, or 10-20% less than before.",
    "Don't stop believing: hold on to that feeling!",
    "A&amp;B signed the deal in 2024-05, said \"Reuters\".",
    "the quick brown fox jumps over the lazy dog",
    "Numbers like 1,000.5 stay whole; words, like these, split.",
]
hyps = [
    "The cat sat on a mat.",
    "It costs $3.50 or 10-20 % less than before .",
    "Don't stop believing, hold on to the feeling",
    "A&B signed a deal in 2024-05, said Reuters.",
    "quick brown fox jumped over lazy dogs",
    "Numbers like 1,000.5 stay whole; words like these split.",
]
tdata = dict(refs=refs, hyps=hyps)
for smooth, name in [("exp", "bleu"), ("none", "bleu_none"), ("floor", "bleu_floor"), ("add-k", "bleu_add_k")]:
    add(name, "text", sacrebleu.corpus_bleu(hyps, [refs], smooth_method=smooth).score, **tdata)
add("sentence_bleu", "text", np.mean([sacrebleu.sentence_bleu(h, [r]).score for h, r in zip(hyps, refs)]), **tdata)
add("chrf", "text", sacrebleu.corpus_chrf(hyps, [refs]).score, **tdata)
add("wer", "text", jiwer.wer(refs, hyps), **tdata)
add("cer", "text", jiwer.cer(refs, hyps), **tdata)
short = dict(refs=["a b c d e", "hello there"], hyps=["a b x", "hello"])
add("bleu", "text", sacrebleu.corpus_bleu(short["hyps"], [short["refs"]]).score, **short)
add("bleu_none", "text", sacrebleu.corpus_bleu(short["hyps"], [short["refs"]], smooth_method="none").score, **short)
add("sentence_bleu", "text", np.mean([sacrebleu.sentence_bleu(h, [r]).score for h, r in zip(short["hyps"], short["refs"])]), **short)

tokens = {line: sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a()(line) for line in refs + hyps}
print(json.dumps({"versions": {"scikit-learn": sklearn.__version__, "sacrebleu": sacrebleu.__version__,
                               "jiwer": "4.0.0", "numpy": np.__version__},
                  "cases": cases, "tokens_13a": tokens}, indent=1))
