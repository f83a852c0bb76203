#!/usr/bin/env bash
# The training cross-check behind chapter 7's framework comparison: both
# engines from the same initial weights on the same batches, 50 steps of the
# chapter 7 recipe (one-cycle compressed into them), in float64 and float32,
# for three seeds. One thread each; results land here as JSON.
#
#   UCMERCED_DIR=../shared/data/ucmerced-jpeg95/Images bash data/crosscheck/run_all.sh [SEED...]
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${UCMERCED_DIR:?point UCMERCED_DIR at the UC Merced images}"
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${THREADS:-1} TF_NUM_INTRAOP_THREADS=${THREADS:-1} TF_NUM_INTEROP_THREADS=${THREADS:-1}
SEEDS=("${@:-0 1 2}")
mkdir -p runs  # the logs (git-ignored)
for seed in ${SEEDS[*]}; do
    for dtype in float64 float32; do
        out=data/crosscheck/seed$seed-$dtype.json
        [ -f "$out" ] && { echo "[$out] exists"; continue; }
        "$PY" -m inception.train.crosscheck --data-dir "$UCMERCED_DIR" --steps 50 --seed "$seed" \
            --dtype "$dtype" --out "$out" > "runs/crosscheck-seed$seed-$dtype.log" 2>&1
        echo "[$out] exit $?: $(tail -4 "runs/crosscheck-seed$seed-$dtype.log" | head -3 | tr '\n' ' ')"
    done
done
