#!/usr/bin/env bash
# The real UC Merced runs behind chapter 7, in order of importance. Each run
# resumes where it stopped (checkpoints every epoch in runs/<name>/, git-ignored),
# and its small record (record.json, predictions.json; no weights) is copied to
# data/runs/<name>/ when it finishes. Re-run this script to continue.
#
#   UCMERCED_DIR=../shared/data/ucmerced-jpeg95 bash data/runs/run_all.sh [torch|keras]
#
# An optional argument runs only that framework's runs, so that the PyTorch and
# Keras queues can run side by side. Each process uses one thread
# (THREADS=1 by default): on this shared 2-core machine two threads slowed to a
# crawl (OpenMP threads spin-waiting on each other) whenever anything else ran,
# while one thread per process degrades gracefully.
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${UCMERCED_DIR:?point UCMERCED_DIR at the UC Merced images}"
PY=${PY:-.venv/bin/python}
ONLY=${1:-}
export OMP_NUM_THREADS=${THREADS:-1} TF_NUM_INTRAOP_THREADS=${THREADS:-1} TF_NUM_INTEROP_THREADS=${THREADS:-1}

# The recipe: the batch-norm variant from scratch, trained on 128x128 random
# resized crops cut from the 256-pixel images (so a small crop keeps its
# detail), with flips and 90-degree rotations and mild colour jitter; SGD with
# Nesterov momentum, one-cycle schedule peaking at 0.1, weight decay 5e-4,
# label smoothing 0.1. Validation and the one test evaluation see whole images
# at 160x160: the size fixed before these runs, from the first recipe's
# validation sweeps (data/runs/*-bn128-*/resolutions.json, validation only).
# Precision auto: bf16 mixed precision where the CPU (or GPU) has native bf16, else fp32.
# After training, each run is evaluated at these input sizes (test-time resolution:
# whole images at larger sizes than the training crops; inception.train.evaluate),
# into data/runs/<name>/resolutions.json, and a few test images' class activation maps
# are written to data/runs/<name>/cams.json (inception.train.cams).
EVAL_SIZES=(128 144 160 176 192 224)

RECIPE=(--variant bn --image-size 128 --source-size 256 --eval-size 160 --batch-size 32 --epochs 70
        --optimizer sgd --lr 0.1 --schedule onecycle --weight-decay 5e-4 --label-smoothing 0.1
        --precision auto --progress lines)

run() {  # run NAME ARGS...
    local name=$1; shift
    case "$name" in "$ONLY"*) ;; *) return 0 ;; esac
    local out=runs/$name
    if [ -f "data/runs/$name/record.json" ] && grep -q '"status": "finished"' "data/runs/$name/record.json"; then
        sweep "$name"; echo "[$name] finished already"; return 0
    fi
    local resume=()
    [ -f "$out/record.json" ] && resume=(--resume)
    echo "[$name] $PY -m inception.train ${RECIPE[*]} $* --data-dir $UCMERCED_DIR --out $out ${resume[*]}"
    "$PY" -m inception.train "${RECIPE[@]}" "$@" --data-dir "$UCMERCED_DIR" --out "$out" "${resume[@]}" \
        >> "runs/$name.log" 2>&1 || { echo "[$name] failed, see runs/$name.log"; return 1; }
    mkdir -p "data/runs/$name"
    cp "$out/record.json" "$out/predictions.json" "data/runs/$name/"
    echo "[$name] done: $(grep -o '"test_accuracy": [0-9.]*' "data/runs/$name/record.json")"
    sweep "$name"
}

sweep() {  # sweep NAME: a finished run at EVAL_SIZES, and its class activation maps (once each; needs its checkpoint)
    local name=$1 rec=data/runs/$1
    [ -f "$rec/resolutions.json" ] && [ -f "$rec/cams.json" ] && return 0
    [ -d "runs/$name" ] || { echo "[$name] no checkpoint in runs/$name: no resolution sweep or maps"; return 0; }
    if [ ! -f "$rec/resolutions.json" ]; then
        if "$PY" -m inception.train.evaluate "runs/$name" --sizes "${EVAL_SIZES[@]}" --data-dir "$UCMERCED_DIR" \
            --out "$rec/resolutions.json" >> "runs/$name.log" 2>&1
        then echo "[$name] resolution sweep written"; else echo "[$name] resolution sweep failed, see runs/$name.log"; fi
    fi
    if [ ! -f "$rec/cams.json" ]; then
        if "$PY" -m inception.train.cams "runs/$name" --data-dir "$UCMERCED_DIR" --out "$rec/cams.json" \
            >> "runs/$name.log" 2>&1
        then echo "[$name] class activation maps written"; else echo "[$name] class activation maps failed, see runs/$name.log"; fi
    fi
}

# The first recipe's runs (crops from the 128-pixel images, evaluated at 128,
# Keras with its own SGD and batch-norm conventions) stay in data/runs/ as
# records: torch-bn128-seed0, keras-bn128-seed0, torch-bn128-seed1,
# torch-bn128-noaux-seed0.
# The queue is one function, read whole before it starts: editing this file
# while a queue runs changes only the next queue. A run that fails stops its
# queue (the next run would otherwise start on a broken setup, and the failed
# one would be skipped silently); fix it and re-run the script to continue.
queue() {
mkdir -p runs
run torch-crop256-seed0 --framework torch --seed 0 || return 1
run keras-crop256-seed0 --framework keras --seed 0 || return 1
run torch-crop256-seed1 --framework torch --seed 1 || return 1
run keras-crop256-seed1 --framework keras --seed 1 || return 1
run torch-crop256-noaux-seed0 --framework torch --seed 0 --no-aux-logits || return 1
}
queue
exit $?
