#!/usr/bin/env bash
# CLINC150 over five seeds, for both configurations of the intent classifier: v1's
# (3 bags + linear, --pretrained none) and v2's (with pretrained word vectors). Each run
# tunes its own threshold on validation (the published protocol); seed_study.py prints
# every run's test figures and the mean and standard deviation per configuration.
# About 40 minutes on 2 cores; runs already trained are skipped (train.py resumes).
#
#   bash scripts/clinc150_seed_study.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
OUT=build/support_bot_intent/clinc150_seeds
VECTORS=build/support_bot_intent/word_vectors.npz
[[ -f $VECTORS ]] || $PY services/support-bot/training/pretrain_words.py --out "$VECTORS"
mkdir -p "$OUT"
base=() pretrained=()
for k in 0 1 2 3 4; do
  seed=$((20261129 + 1000 * k))
  $PY services/support-bot/training/train.py --dataset clinc150 --seed "$seed" --pretrained none \
    --out "$OUT/base_$seed" > "$OUT/base_$seed.log" 2>&1 &
  $PY services/support-bot/training/train.py --dataset clinc150 --seed "$seed" --pretrained "$VECTORS" \
    --out "$OUT/pretrained_$seed" > "$OUT/pretrained_$seed.log" 2>&1 &
  wait
  base+=("$OUT/base_$seed/ensemble.pt")
  pretrained+=("$OUT/pretrained_$seed/ensemble.pt")
done
$PY services/support-bot/training/seed_study.py \
  --group "3 bags + linear (v1's configuration)" "${base[@]}" \
  --group "with pretrained word vectors (v2)" "${pretrained[@]}"
