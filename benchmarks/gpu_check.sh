#!/usr/bin/env bash
# The GPU check: one command, under 8 minutes on one GPU.
#
#   UCMERCED_DIR=/path/to/UCMerced_LandUse bash benchmarks/gpu_check.sh   # on a machine with a GPU
#   bash benchmarks/gpu_check.sh --dry-run                                 # CPU, tiny, synthetic data
#
# Steps (each one's exit status and seconds go into the record; a failed step
# does not stop the others):
#   1. torch_epoch, keras_epoch: both engines for one short epoch on the real
#      images, precision auto (AMP: bf16 where the GPU has it, else fp16) and
#      channels-last memory;
#   2. throughput: benchmarks/bench_models.py at 224 px (record
#      data/benchmarks/models-gpu.json);
#   3. ddp: the PyTorch engine under torchrun on every GPU, if there are several;
#   4. finetune_torch, finetune_keras: fine-tuning from torchvision's ImageNet
#      weights (--pretrained imagenet), ported into each engine; where they cannot
#      be downloaded (GPU machines often have no internet), from random weights in
#      the same checkpoint format, which takes the same porting path.
# The record: data/benchmarks/gpu-check.json (dry run: gpu-check-dry-run.json).
#
# --dry-run runs every step on the CPU at tiny sizes on synthetic data (two CPU
# processes for the DDP step), without attempting the download: everything
# but the GPU itself. Options: --out FILE (the record), --keep (keep the work folder).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"

DRY=0; KEEP=0; OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --keep) KEEP=1 ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

export TF_CPP_MIN_LOG_LEVEL=3
export TF_FORCE_GPU_ALLOW_GROWTH=true   # TensorFlow must not take the GPU memory PyTorch needs
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")"
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
: > "$WORK/steps.jsonl"

if [ "$DRY" = 1 ]; then
  OUT="${OUT:-$ROOT/data/benchmarks/gpu-check-dry-run.json}"
  DATA="$WORK/data"
  "$PY" "$HERE/gpu_check.py" data "$DATA" || exit 1
  NGPU=0; NPROC=2; DEVICE=cpu
  SIZE=64; BATCH=4; STEPS=2
  BENCH=(--quick --no-profile --out "$WORK/models.json")
  BENCH_RECORD="$WORK/models.json"
  export OMP_NUM_THREADS=1
else
  OUT="${OUT:-$ROOT/data/benchmarks/gpu-check.json}"
  DATA="${UCMERCED_DIR:?set UCMERCED_DIR to the UC Merced images (or pass --dry-run)}"
  NGPU="$("$PY" "$HERE/gpu_check.py" gpus)"
  if [ "${NGPU:-0}" -lt 1 ]; then
    echo "no CUDA GPU visible to PyTorch; run with --dry-run on a CPU" >&2
    exit 1
  fi
  NPROC="$NGPU"; DEVICE=auto
  SIZE=224; BATCH=64; STEPS=""
  BENCH=(--image-size 224 --batch-size 32 --threads 2 --data-dir "$DATA" --quiet-timeout 60 --out "$ROOT/data/benchmarks/models-gpu.json")
  BENCH_RECORD="$ROOT/data/benchmarks/models-gpu.json"
fi
COMMON=(--data-dir "$DATA" --cache-dir "$WORK/cache" --image-size "$SIZE" --batch-size "$BATCH"
        --epochs 1 --precision auto --channels-last --device "$DEVICE" --progress lines --overwrite)
[ -n "$STEPS" ] && COMMON+=(--max-steps-per-epoch "$STEPS")

# step NAME NOTE RUN_DIR BENCH_RECORD CMD...: run CMD, append its result to steps.jsonl
step() {
  local name="$1" note="$2" run_dir="$3" bench="$4"; shift 4
  echo "== $name: $note"
  local t0=$SECONDS
  "$@"
  local rc=$?
  printf '{"name": "%s", "note": "%s", "rc": %d, "seconds": %d, "run_dir": "%s", "bench_record": "%s"}\n' \
    "$name" "$note" "$rc" "$((SECONDS - t0))" "$run_dir" "$bench" >> "$WORK/steps.jsonl"
  return $rc
}
skip() {
  echo "== $1: skipped ($2)"
  printf '{"name": "%s", "note": "%s", "rc": 0, "skipped": true, "seconds": 0}\n' "$1" "$2" >> "$WORK/steps.jsonl"
}

# 1. both engines, one short epoch, AMP + channels-last
step torch_epoch "PyTorch engine, one epoch, precision auto, channels-last" torch "" \
  "$PY" -m inception.train --framework torch "${COMMON[@]}" --out "$WORK/torch"
step keras_epoch "Keras engine, one epoch, precision auto" keras "" \
  "$PY" -m inception.train --framework keras "${COMMON[@]}" --out "$WORK/keras"

# 2. throughput
step throughput "bench_models.py ${BENCH[*]}" "" "$BENCH_RECORD" \
  "$PY" "$HERE/bench_models.py" "${BENCH[@]}"

# 3. DDP on every GPU (CPU processes in the dry run)
if [ "$NPROC" -gt 1 ]; then
  step ddp "torchrun, $NPROC processes" ddp "" \
    "$PY" -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m inception.train \
      --framework torch "${COMMON[@]}" --out "$WORK/ddp"
else
  skip ddp "one GPU"
fi

# 4. fine-tuning from ported weights
WEIGHTS=imagenet
if [ "$DRY" = 1 ]; then
  WEIGHTS_NOTE="random weights in torchvision's format (dry run: no download attempted)"
  WEIGHTS="$WORK/random_googlenet.pth"
  "$PY" "$HERE/gpu_check.py" random-weights "$WEIGHTS"
elif timeout 120 "$PY" -c "import inception, torchvision; torchvision.models.googlenet(weights='IMAGENET1K_V1')" \
     >/dev/null 2>&1; then
  WEIGHTS_NOTE="torchvision's ImageNet weights"
else
  WEIGHTS_NOTE="random weights in torchvision's format (the ImageNet weights could not be downloaded)"
  WEIGHTS="$WORK/random_googlenet.pth"
  "$PY" "$HERE/gpu_check.py" random-weights "$WEIGHTS"
fi
FT=(--pretrained "$WEIGHTS" --lr 0.01)
[ -z "$STEPS" ] && FT+=(--max-steps-per-epoch 10)
step finetune_torch "PyTorch, from $WEIGHTS_NOTE" finetune_torch "" \
  "$PY" -m inception.train --framework torch "${COMMON[@]}" "${FT[@]}" --out "$WORK/finetune_torch"
step finetune_keras "Keras, from $WEIGHTS_NOTE" finetune_keras "" \
  "$PY" -m inception.train --framework keras "${COMMON[@]}" "${FT[@]}" --out "$WORK/finetune_keras"

DRYFLAG=(); [ "$DRY" = 1 ] && DRYFLAG=(--dry-run)
"$PY" "$HERE/gpu_check.py" record "$WORK" "$OUT" "${DRYFLAG[@]}"
