#!/usr/bin/env bash
# The real UC Merced runs behind chapter 7. Each run keeps its checkpoint in a
# runs folder OUTSIDE the repository, the same for every checkout of the project
# ($INCEPTION_CHECKPOINT_DIR, default ~/.cache/inception/runs/<name>), so a new
# checkout resumes every unfinished run from there without being told. A run's
# small record (record.json, predictions.json; no weights) is copied to
# data/runs/<name>/ when it finishes, followed by its resolution sweep and class
# activation maps. Re-run this script to continue.
#
#   UCMERCED_DIR=../shared/data/ucmerced-jpeg95 bash data/runs/run_all.sh [torch|keras]
#   TIME_LIMIT_MINUTES=150 ... bash data/runs/run_all.sh torch    # stop cleanly within 150 minutes
#
# An optional argument runs only that framework's runs, so that the PyTorch and
# Keras queues run side by side, one process each. Each process uses one thread
# (THREADS=1 by default): on a shared 2-core machine two threads per process
# slow to a crawl (OpenMP threads spin-waiting on each other) whenever anything
# else runs, while one thread per process degrades gracefully.
# TIME_LIMIT_MINUTES bounds the whole queue: each run is told the minutes that
# are left (--time-limit-minutes) and stops after the epoch that would overrun
# them, with its checkpoint written; the queue then stops too. A SIGTERM to a
# run does the same at once (the step in progress is given up).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${UCMERCED_DIR:?point UCMERCED_DIR at the UC Merced images}"
PY=${PY:-.venv/bin/python}
ONLY=${1:-}
RUNS_HOME=${INCEPTION_CHECKPOINT_DIR:-$HOME/.cache/inception/runs}
export INCEPTION_CHECKPOINT_DIR=$RUNS_HOME
export OMP_NUM_THREADS=${THREADS:-1} TF_NUM_INTRAOP_THREADS=${THREADS:-1} TF_NUM_INTEROP_THREADS=${THREADS:-1}
DEADLINE=""
[ -n "${TIME_LIMIT_MINUTES:-}" ] && DEADLINE=$(( $(date +%s) + ${TIME_LIMIT_MINUTES%.*} * 60 ))

# The recipe (sized to finish the four runs in under 4 hours as two one-thread
# queues on a 2-core CPU without native bf16): the batch-norm variant from
# scratch, trained on 128x128 random resized crops cut from the 256-pixel images
# (so a small crop keeps its detail), with flips and 90-degree rotations and
# mild colour jitter; SGD with Nesterov momentum, a 40-epoch one-cycle schedule
# peaking at 0.1, weight decay 5e-4, label smoothing 0.1. Validation and the one
# test evaluation see whole images at 160x160: the size fixed before these runs,
# from the first recipe's validation sweeps (data/runs/*-bn128-*/resolutions.json,
# validation only). Precision auto: bf16 mixed precision where the CPU (or GPU)
# has native bf16, else fp32.
# After training, each run is evaluated at these input sizes (test-time resolution:
# whole images at larger sizes than the training crops; inception.train.evaluate),
# into data/runs/<name>/resolutions.json, and a few test images' class activation maps
# are written to data/runs/<name>/cams.json (inception.train.cams).
EVAL_SIZES=(128 144 160 176 192 224)

RECIPE=(--variant bn --image-size 128 --source-size 256 --eval-size 160 --batch-size 32 --epochs 40
        --optimizer sgd --lr 0.1 --schedule onecycle --weight-decay 5e-4 --label-smoothing 0.1
        --precision auto --progress lines)

minutes_left() {  # prints the queue's minutes left, or nothing without a limit; fails when none are left
    [ -z "$DEADLINE" ] && return 0
    local left=$(( (DEADLINE - $(date +%s)) / 60 ))
    [ "$left" -ge 1 ] || return 1
    echo "$left"
}

run() {  # run NAME ARGS...
    local name=$1; shift
    case "$name" in "$ONLY"*) ;; *) return 0 ;; esac
    local out=$RUNS_HOME/$name log=$RUNS_HOME/$name.log
    if [ -f "data/runs/$name/record.json" ] && grep -q '"status": "finished"' "data/runs/$name/record.json"; then
        sweep "$name" || return 1; echo "[$name] finished already"; return 0
    fi
    # One process per run: a second queue (say, a run started by hand on a free core) skips it.
    mkdir -p "$RUNS_HOME"
    exec {lock}>"$out.lock"
    flock -n "$lock" || { echo "[$name] is running in another process; skipped here"; exec {lock}>&-; return 0; }
    run_locked "$name" "$@"; local rc=$?
    exec {lock}>&-
    return $rc
}

run_locked() {  # run_locked NAME ARGS... (the run's lock held)
    local name=$1; shift
    local out=$RUNS_HOME/$name log=$RUNS_HOME/$name.log
    local left limit=()
    left=$(minutes_left) || { echo "[$name] the queue's time limit is spent; re-run to continue"; return 2; }
    [ -n "$left" ] && limit=(--time-limit-minutes "$left")
    echo "[$name] $PY -m inception.train ${RECIPE[*]} $* --data-dir $UCMERCED_DIR --out $out --resume ${limit[*]}"
    # --resume continues the checkpoint in $out, or starts the run when there is none yet.
    "$PY" -m inception.train "${RECIPE[@]}" "$@" --data-dir "$UCMERCED_DIR" --out "$out" --resume "${limit[@]}" \
        >> "$log" 2>&1 || { echo "[$name] failed or interrupted, see $log"; return 1; }
    if ! grep -q '"status": "finished"' "$out/record.json"; then
        echo "[$name] stopped by the time limit after epoch $(grep -c '"epoch":' "$out/record.json" || true); re-run to continue"
        return 2
    fi
    mkdir -p "data/runs/$name"
    cp "$out/record.json" "$out/predictions.json" "data/runs/$name/"
    echo "[$name] done: $(grep -o '"test_accuracy": [0-9.]*' "data/runs/$name/record.json")"
    sweep "$name"
}

sweep() {  # sweep NAME: a finished run at EVAL_SIZES, and its class activation maps (once each; needs its checkpoint)
    local name=$1 rec=data/runs/$1 out=$RUNS_HOME/$1 log=$RUNS_HOME/$1.log
    [ -f "$rec/resolutions.json" ] && [ -f "$rec/cams.json" ] && return 0
    [ -d "$out" ] || { echo "[$name] no checkpoint in $out: no resolution sweep or maps"; return 0; }
    minutes_left > /dev/null || { echo "[$name] the queue's time limit is spent before its sweep; re-run to continue"; return 2; }
    if [ ! -f "$rec/resolutions.json" ]; then
        if "$PY" -m inception.train.evaluate "$out" --sizes "${EVAL_SIZES[@]}" --data-dir "$UCMERCED_DIR" \
            --out "$rec/resolutions.json" >> "$log" 2>&1
        then echo "[$name] resolution sweep written"; else echo "[$name] resolution sweep failed, see $log"; fi
    fi
    if [ ! -f "$rec/cams.json" ]; then
        if "$PY" -m inception.train.cams "$out" --data-dir "$UCMERCED_DIR" --out "$rec/cams.json" \
            >> "$log" 2>&1
        then echo "[$name] class activation maps written"; else echo "[$name] class activation maps failed, see $log"; fi
    fi
}

# Earlier recipes' runs stay in data/runs/ as records: the first recipe
# (crops from the 128-pixel images, evaluated at 128, 70 epochs, trained by the
# earlier engines): torch-bn128-seed0, keras-bn128-seed0, torch-bn128-seed1,
# torch-bn128-noaux-seed0.
# The queue is one function, read whole before it starts: editing this file
# while a queue runs changes only the next queue. A run that fails stops its
# queue (the next run would otherwise start on a broken setup, and the failed
# one would be skipped silently); fix it and re-run the script to continue.
queue() {
mkdir -p "$RUNS_HOME"
echo "[queue] checkpoints in $RUNS_HOME${DEADLINE:+, stopping by $(date -d @"$DEADLINE" +%H:%M)}"
run torch-c256e40-seed0 --framework torch --seed 0 || return $?
run keras-c256e40-seed0 --framework keras --seed 0 || return $?
run torch-c256e40-seed1 --framework torch --seed 1 || return $?
run keras-c256e40-seed1 --framework keras --seed 1 || return $?
}
queue
exit $?
