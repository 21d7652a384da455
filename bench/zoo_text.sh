#!/usr/bin/env bash
# The text models' results table (bench/zoo/spam.csv): each text model of the zoo trained for the
# same time budget (BUDGET, default 2m) by `tuneup zoo bench` on the split bench/text.sh uses
# (SpamAssassin's raw e-mails, stratified 80 / 20, the peer's seed), word tokenizer, max_len 512,
# Adam at 1e-3 (fastText at 1e-2, its usual rate). tokens/s is samples/s times the mean tokens a
# sample holds (the texts' word counts, cut to max_len; counted here with the word tokenizer's
# rule), printed beside the table.
#
#   bash bench/zoo_text.sh          # about 12 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${BUDGET:-2m}
VENV=${VENV:-/tmp/peer-venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q scikit-learn pandas; }
EXE=${TUNEUP:-}
if [ -z "$EXE" ]; then cargo build --release -q -p tuneup; EXE="$PWD/target/release/tuneup"; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$VENV/bin/python" - "$(cd ../shared/data && pwd)" "$dir" <<'PY'
import re, sys, unicodedata
import pandas as pd
from sklearn.model_selection import train_test_split
data, out = sys.argv[1:3]
df = pd.read_csv(f"{data}/text/spam_assassin.csv.gz", keep_default_na=False)
tr, te = train_test_split(df, test_size=0.2, stratify=df["label"], random_state=0)
tr.to_csv(f"{out}/train.csv.gz", index=False)
te.to_csv(f"{out}/test.csv.gz", index=False)
words = tr["text"].map(lambda t: len(re.findall(r"\w+|[^\w\s]", unicodedata.normalize("NFKC", t))))
print(f"mean tokens per sample (cut to 512): {words.clip(upper=512).mean():.1f}")
PY
for m in fasttext embbag textcnn bigru transformer; do
  lr=0.001; [ "$m" = fasttext ] && lr=0.01
  cat > "$dir/$m.toml" <<TOML
task = "classification"
seed = 42
metric = "accuracy"
[data]
train = "train.csv.gz"
test = "test.csv.gz"
target = "label"
[data.columns]
id = "id"
text = "text"
[data.text]
max_len = 512
[model]
kind = "$m"
[optimizer]
kind = "adam"
lr = $lr
[train]
epochs = 100
batch_size = 64
TOML
  (cd "$dir" && "$EXE" --store s.db zoo bench "$m.toml" --budget "$BUDGET" --models "$m" -o "$m.csv" >/dev/null)
done
mkdir -p bench/zoo
head -1 "$dir/fasttext.csv" > bench/zoo/spam.csv
for m in fasttext embbag textcnn bigru transformer; do tail -n +2 "$dir/$m.csv" >> bench/zoo/spam.csv; done
cat bench/zoo/spam.csv
