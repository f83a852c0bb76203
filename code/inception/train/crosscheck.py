"""Do the two engines take the same training steps? Train both on the same batches and compare.

::

    python -m inception.train.crosscheck --data-dir DIR --steps 50 --seed 0 --dtype float64 --out x.json

What it does:

1. builds the PyTorch and the Keras engine from one recipe (the chapter 7
   recipe by default: batch norm, aux heads with weight 0.3, label smoothing
   0.1, weight decay 5e-4, SGD with Nesterov momentum, the one-cycle schedule
   compressed into ``--steps`` steps), with dropout off: dropout masks are
   random in each framework and cannot be shared;
2. ports PyTorch's initial weights (and batch-norm statistics) to Keras;
3. trains both for ``--steps`` steps, each on the batches its *own* data
   pipeline makes from the shared draws
   (:func:`inception.data.draws.epoch_draws`), and records every step's
   main-head loss, and how far apart the two pipelines' images are;
4. as a yardstick, trains further PyTorch engines (:data:`YARDSTICKS`) whose
   initial weights are each moved by one unit in the last place, up or down at
   random, a different draw for each (:func:`_nudge_torch`); the largest of
   their distances to the first, step by step, says how far two runs of *the same*
   engine drift apart from rounding alone. Training this network at this
   learning rate is chaotic; in float32 any two trajectories separate after a
   few steps, so exact agreement can only be shown in float64 (``--dtype
   float64``), and beyond that the fair question is whether the two engines
   stay as close as the same engine does to itself;
5. after the last step, compares the two models' weights block by block, to
   say where a difference comes from;
6. with ``--flips``, counts at every step where the two engines' networks
   take different *branches* on the step's batch (:func:`branch_flips`): a
   ReLU that is on in one and off in the other, or a max pool whose largest
   input is a different pixel. These are the places where a tiny difference
   of weights becomes a jump in the gradient: the gradient of the loss is
   discontinuous there, so the usual smooth growth of rounding differences
   is interrupted by steps. The same is counted for the first yardstick run,
   for comparison.

It prints one line per step and a verdict, and writes everything to ``--out``
as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from .config import ConfigError, TrainConfig
from .schedules import lr_at

__all__ = ["crosscheck", "verdicts", "summary", "main", "branch_flips", "first_flips", "CROSS_TOLERANCE",
           "EARLY_STEPS", "EARLY_TOLERANCE", "YARDSTICKS"]

#: Float64: the largest relative difference of the main loss over the first
#: :data:`EARLY_STEPS` steps.
EARLY_STEPS, EARLY_TOLERANCE = 12, 1e-8
#: At every step: cross-framework difference <= CROSS_TOLERANCE x the
#: yardstick's envelope (see :func:`verdicts`), floored at ROUNDING_FLOOR
#: machine epsilons (before the first update, two runs one ulp apart can agree
#: to the last bit, which is no measure of what rounding does).
CROSS_TOLERANCE = 10.0
ROUNDING_FLOOR = 64
#: How many nudged PyTorch runs make the yardstick: at each step, the largest
#: of their distances to the un-nudged run, i.e. how far rounding alone has
#: pushed a run of one engine by then. One run is a noisy measure: in float32
#: the distance after the first update varied twentyfold between nudges
#: (6.0e-5 to 1.1e-3 on the real images, seeds 0-2).
YARDSTICKS = 3

#: The recipe the check trains with (chapter 7's, dropout off).
CHECK_RECIPE = dict(variant="bn", aux_logits=True, aux_weight=0.3, label_smoothing=0.1, optimizer="sgd",
                    lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4, schedule="onecycle",
                    source_size=256, augment=True, dropout=0.0, aux_dropout=0.0)


def _configs(data_dir, steps: int, seed: int, image_size: int, batch_size: int, variant: str, dtype: str,
             source_size: Optional[int], cache_dir, out_dir: Path) -> Dict[str, TrainConfig]:
    base = TrainConfig(**{**CHECK_RECIPE, "variant": variant}, data_dir=data_dir, cache_dir=cache_dir,
                       image_size=image_size, batch_size=batch_size, seed=seed, epochs=1,
                       max_steps_per_epoch=steps, progress="none",
                       precision="fp64" if dtype == "float64" else "fp32")
    if source_size is not None:
        base = base.replace(source_size=source_size)
    if base.source_size is not None and base.source_size < image_size:
        base = base.replace(source_size=image_size)
    return {fw: base.replace(framework=fw, out_dir=str(out_dir / fw)).validated() for fw in ("torch", "keras")}


def _nudge_torch(model, seed: int = 0) -> None:
    """Move every weight by one unit in the last place, up or down at random
    (a seeded coin per weight).

    Random signs, because that is what rounding does. Moving every weight the
    same way (all towards +inf) is a coherent shift that the batch norm after
    each convolution largely takes out again: measured on the real images
    (float64, seed 2), two such runs were only 7.8e-14 apart at step 7 and
    1.4e-10 at step 15, where random signs gave 1.3e-12 and 2.2e-9, and the
    same-direction distance varied a hundredfold from seed to seed. A
    yardstick that small says less about rounding than about the direction
    of the nudge.
    """
    import torch

    gen = torch.Generator().manual_seed(1_000_003 + int(seed))
    with torch.no_grad():
        for p in model.parameters():
            up = torch.randint(0, 2, p.shape, generator=gen, dtype=torch.bool)
            target = torch.where(up, torch.full_like(p, math.inf), torch.full_like(p, -math.inf))
            p.copy_(torch.nextafter(p, target))


def _torch_batches(engine, epoch: int):
    engine.set_epoch(epoch)
    engine.train_model.train()
    return iter(engine.train_loader)


def _keras_batches(engine, epoch: int):
    return iter(engine.strategy.experimental_distribute_dataset(engine.train_dataset(epoch)))


def _block(name: str) -> str:
    return name.split(".", 1)[0]


def _block_differences(torch_model, other) -> Dict[str, float]:
    """Relative L2 difference of the weights of each top-level block: ``|a - b| / |a|``."""
    a = {k: v.detach().double().cpu().numpy() for k, v in torch_model.state_dict().items()
         if "num_batches" not in k}
    b = {k: v.detach().double().cpu().numpy() for k, v in other.state_dict().items() if "num_batches" not in k}
    num: Dict[str, float] = {}
    den: Dict[str, float] = {}
    for k, v in a.items():
        blk = _block(k)
        num[blk] = num.get(blk, 0.0) + float(np.sum((v - b[k]) ** 2))
        den[blk] = den.get(blk, 0.0) + float(np.sum(v ** 2))
    return {k: math.sqrt(num[k] / den[k]) if den[k] else 0.0 for k in num}


def crosscheck(data_dir=None, steps: int = 50, seed: int = 0, image_size: int = 128, batch_size: int = 32,
               variant: str = "bn", dtype: str = "float64", source_size: Optional[int] = 256,
               cache_dir=None, yardstick: bool = True, progress: bool = True, yardsticks: int = YARDSTICKS,
               flips: bool = False) -> Dict:
    """Train both engines on the same batches for ``steps`` steps; see the module docstring.

    Returns a dict with per-step ``torch_loss``, ``keras_loss``,
    ``cross_rel_diff`` (``|keras - torch| / |torch|``), ``yardstick_rel_diffs``
    (PyTorch against itself, one ulp apart, for each of the ``yardsticks``
    nudged runs) and ``yardstick_rel_diff`` (the largest of them),
    ``input_max_abs_diff`` (largest
    difference of the two pipelines' images on the [0, 1] scale), the
    learning rates, the block-by-block weight differences at the end, and the
    verdicts ``early_ok`` (float64 only) and ``within_yardstick``. With
    ``flips``, each row also holds ``flips`` (:func:`branch_flips` of the two
    engines' networks on the step's batch, before the step) and
    ``yardstick_flips`` (the same for the first yardstick run).
    """
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"dtype must be float32 or float64, got {dtype!r}")
    if steps < 1:
        raise ConfigError(f"steps must be positive, got {steps}")
    if yardstick and yardsticks < 1:
        raise ConfigError(f"yardsticks must be at least 1, got {yardsticks}")
    import inception  # noqa: F401  (torch before tensorflow)
    import torch

    from ..data import IMAGENET_STD
    from ..port import keras_to_torch, torch_to_keras
    from .keras_engine import KerasEngine
    from .torch_engine import TorchEngine, build_model

    tmp = Path(tempfile.mkdtemp(prefix="crosscheck-"))
    cfgs = _configs(data_dir, steps, seed, image_size, batch_size, variant, dtype, source_size, cache_dir, tmp)
    t_engine = TorchEngine(cfgs["torch"])
    k_engine = KerasEngine(cfgs["keras"])
    torch_to_keras(t_engine.raw, k_engine.model)
    y_engines = []
    for k in range(yardsticks if yardstick else 0):
        e = TorchEngine(cfgs["torch"])
        e.raw.load_state_dict(t_engine.raw.state_dict())
        _nudge_torch(e.raw, seed + 7919 * k)
        y_engines.append(e)
    full = math.ceil(t_engine.num_train / cfgs["torch"].batch_size)
    schedule = cfgs["torch"].replace(epochs=1)  # the one-cycle curve over `steps` steps
    std = np.asarray(IMAGENET_STD, np.float64)
    k_as_torch = build_model(cfgs["torch"]).to(t_engine.dtype)  # Keras' weights, read into a PyTorch model
    rows: List[Dict] = []
    step, epoch = 0, 0
    start = time.perf_counter()
    while step < steps:
        tb, kb = _torch_batches(t_engine, epoch), _keras_batches(k_engine, epoch)
        ybs = [_torch_batches(e, epoch) for e in y_engines]
        for _ in range(min(full, steps - step)):
            xt, yt = next(tb)
            xk, yk = next(kb)
            lr = lr_at(step, steps, schedule)
            x_diff = float(np.max(np.abs(xt.double().numpy().transpose(0, 2, 3, 1) - xk.numpy()) * std))
            labels_equal = bool(np.array_equal(yt.numpy(), yk.numpy()))
            flip_row = {}
            if flips:
                keras_to_torch(k_engine.model, k_as_torch)
                flip_row["flips"] = branch_flips(t_engine.raw, k_as_torch, xt)
                if y_engines:
                    flip_row["yardstick_flips"] = branch_flips(t_engine.raw, y_engines[0].raw, xt)
            t_engine.set_lr(lr)
            k_engine.set_lr(lr)
            _, lt, _ = t_engine.train_step(xt, yt)
            _, lk_sum, _, n = k_engine._train_step(xk, yk)
            row = {"step": step, "lr": lr, "torch_loss": float(lt), "keras_loss": float(lk_sum) / float(n),
                   "input_max_abs_diff": x_diff, "labels_equal": labels_equal}
            row["cross_rel_diff"] = abs(row["keras_loss"] - row["torch_loss"]) / abs(row["torch_loss"])
            row.update(flip_row)
            if y_engines:
                losses = []
                for e, yb in zip(y_engines, ybs):
                    xy, yy = next(yb)
                    e.set_lr(lr)
                    losses.append(float(e.train_step(xy, yy)[1]))
                row["yardstick_losses"] = losses
                row["yardstick_rel_diffs"] = [abs(v - row["torch_loss"]) / abs(row["torch_loss"]) for v in losses]
                row["yardstick_rel_diff"] = max(row["yardstick_rel_diffs"])
            rows.append(row)
            if progress:
                print(_line(row), flush=True)
            step += 1
        epoch += 1
    seconds = time.perf_counter() - start

    # where do the weights differ? Keras' weights in a PyTorch model, block by block
    keras_to_torch(k_engine.model, k_as_torch)
    blocks = _block_differences(t_engine.raw, k_as_torch)
    y_blocks = _block_differences(t_engine.raw, y_engines[0].raw) if y_engines else {}
    result = {
        "format": "inception-train-crosscheck-v1", "yardstick_nudge": "one ulp per weight, random sign",
        "yardsticks": len(y_engines),
        "dtype": dtype, "steps": steps, "seed": seed, "image_size": image_size, "batch_size": batch_size,
        "variant": variant, "source_size": cfgs["torch"].crop_source_size, "data_dir": str(data_dir),
        "recipe": {k: v for k, v in cfgs["torch"].recipe().items() if k not in ("framework",)},
        "rows": rows, "seconds": seconds,
        "max_cross_rel_diff": max(r["cross_rel_diff"] for r in rows),
        "max_input_abs_diff": max(r["input_max_abs_diff"] for r in rows),
        "labels_equal": all(r["labels_equal"] for r in rows),
        "block_weight_diff": blocks, "yardstick_block_weight_diff": y_blocks,
    }
    result.update(verdicts(result))
    for e in (t_engine, k_engine, *y_engines):
        e.close()
    return result


def verdicts(result: Dict) -> Dict:
    """The verdicts of a cross-check from its per-step rows (also for a stored result).

    * ``early_ok`` (float64 only): every relative difference of the main loss
      over the first :data:`EARLY_STEPS` steps is at most :data:`EARLY_TOLERANCE`;
    * ``within_yardstick``: at every step the cross-framework difference is at
      most :data:`CROSS_TOLERANCE` times the yardstick's *envelope*, the largest
      yardstick difference so far, over the steps and the nudged runs (floored at :data:`ROUNDING_FLOOR` machine
      epsilons). The envelope measures how far rounding alone has pushed two
      runs apart by that step; a single step's difference can fall far below it
      by chance, when two diverging loss curves happen to cross.
      ``steps_beyond_raw_yardstick`` lists the steps that exceed the raw,
      step-by-step yardstick as well, for the record.
    """
    rows = result["rows"]
    eps = float(np.finfo(np.float64 if result["dtype"] == "float64" else np.float32).eps)
    floor = ROUNDING_FLOOR * eps
    early = [r["cross_rel_diff"] for r in rows[:EARLY_STEPS]]
    out = {"max_early_cross_rel_diff": max(early),
           "early_ok": (max(early) <= EARLY_TOLERANCE) if result["dtype"] == "float64" else None,
           "rounding_floor": floor}
    if rows and "yardstick_rel_diff" in rows[0]:
        envelope, top = [], 0.0
        for r in rows:
            top = max(top, r["yardstick_rel_diff"])
            envelope.append(max(top, floor))
        out["yardstick_envelope"] = envelope
        out["steps_beyond_yardstick"] = [r["step"] for r, e in zip(rows, envelope)
                                         if r["cross_rel_diff"] > CROSS_TOLERANCE * e]
        out["steps_beyond_raw_yardstick"] = [
            r["step"] for r in rows if r["cross_rel_diff"] > CROSS_TOLERANCE * max(r["yardstick_rel_diff"], floor)]
        out["within_yardstick"] = not out["steps_beyond_yardstick"]
        blocks, y_blocks = result.get("block_weight_diff", {}), result.get("yardstick_block_weight_diff", {})
        worst = sorted(((blocks[b] / max(y_blocks.get(b, 0.0), floor), b) for b in blocks), reverse=True)
        out["blocks_by_excess"] = [{"block": b, "ratio": r, "cross": blocks[b], "yardstick": y_blocks.get(b)}
                                   for r, b in worst[:6]]
    return out


def _line(r: Dict) -> str:
    s = (f"step {r['step']:3d}  lr {r['lr']:.5f}  torch {r['torch_loss']:.12f}  keras {r['keras_loss']:.12f}  "
         f"rel diff {r['cross_rel_diff']:.2e}")
    if "yardstick_rel_diff" in r:
        s += f"  yardstick {r['yardstick_rel_diff']:.2e}"
    return s + f"  images {r['input_max_abs_diff']:.1e}"


def summary(result: Dict) -> str:
    """The verdict lines printed after the per-step lines."""
    lines = [f"{result['steps']} steps, {result['dtype']}, seed {result['seed']}, "
             f"{result['image_size']} px (crops from {result['source_size']} px), batch {result['batch_size']}: "
             f"{result['seconds']:.0f} s",
             f"same labels in every batch: {result['labels_equal']}; largest image difference "
             f"{result['max_input_abs_diff']:.1e} (on the 0..1 scale)",
             f"largest relative difference of the main loss: {result['max_cross_rel_diff']:.2e} "
             f"(first {EARLY_STEPS} steps: {result['max_early_cross_rel_diff']:.2e})"]
    if result["early_ok"] is not None:
        lines.append(f"float64, first {EARLY_STEPS} steps within {EARLY_TOLERANCE:g}: "
                     f"{'yes' if result['early_ok'] else 'NO'}")
    if "within_yardstick" in result:
        bad = result["steps_beyond_yardstick"]
        k = result.get("yardsticks", 1)
        lines.append(f"every step within {CROSS_TOLERANCE:g}x the yardstick (one engine against itself, "
                     f"one ulp apart{f', {k} runs' if k > 1 else ''}; its largest so far): "
                     f"{'yes' if not bad else 'NO, at steps ' + ', '.join(map(str, bad[:10]))}")
        raw = result["steps_beyond_raw_yardstick"]
        lines.append(f"steps beyond {CROSS_TOLERANCE:g}x the same step's yardstick: "
                     f"{', '.join(map(str, raw)) if raw else 'none'}")
        lines.append("weights after the last step, relative difference by block (cross / yardstick): " + ", ".join(
            f"{b['block']} {b['cross']:.1e}/{(b['yardstick'] or 0):.1e}" for b in result["blocks_by_excess"]))
    for key, who in (("flips", "the two engines"), ("yardstick_flips", "the yardstick's runs")):
        first = first_flips(result["rows"], key)
        if first is not None:
            lines.append(f"first step where {who} take different branches: " + (
                "none" if first["step"] is None else
                f"{first['step']} ({first['kind']} in {', '.join(first['blocks'])})"))
    return "\n".join(lines)


def first_flips(rows: List[Dict], key: str = "flips", kind: Optional[str] = None) -> Optional[Dict]:
    """The first step whose :func:`branch_flips` count (``key``: ``flips`` or
    ``yardstick_flips``; ``kind``: ``relu``, ``maxpool`` or either) is not
    zero: ``{"step", "kind", "blocks"}``, with ``step`` None if there is none;
    None if the rows hold no counts."""
    if not any(key in r for r in rows):
        return None
    for r in rows:
        for k in ([kind] if kind else ["maxpool", "relu"]):
            blocks = r.get(key, {}).get(k)
            if blocks:
                return {"step": r["step"], "kind": k, "blocks": sorted(blocks, key=blocks.get, reverse=True)}
    return {"step": None, "kind": kind, "blocks": []}


def branch_flips(model_a, model_b, x) -> Dict[str, Dict[str, int]]:
    """Where two PyTorch networks of the same architecture take different
    branches on the batch ``x``, in training mode (batch statistics), as the
    training step's forward pass does:

    * ``relu``: activations of a convolution unit that are positive in one
      network and not in the other;
    * ``maxpool``: outputs of a max pool whose largest input is a different
      position in the two (the same argmax rule applied to both inputs, so
      only a change of the inputs counts, not a tie-breaking convention).

    Returns ``{"relu": {block: count}, "maxpool": {block: count}}``, blocks
    named as in :func:`_block_differences`. The models are copied first
    (their batch-norm running statistics do not move) and run in the same
    memory format, so that equal weights give equal counts of zero.
    """
    import copy

    import torch
    import torch.nn.functional as F

    from ..torch.googlenet import ConvUnit

    x = x.contiguous()

    def trace(model) -> Dict[str, "torch.Tensor"]:
        # one memory format for both: channels-last and contiguous convolutions round differently
        model = copy.deepcopy(model).train().to(memory_format=torch.contiguous_format)
        seen, hooks = {}, []
        for name, m in model.named_modules():
            if isinstance(m, ConvUnit):
                hooks.append(m.register_forward_hook(
                    lambda mod, inp, out, n=name: seen.__setitem__(("relu", n), out.detach() > 0)))
            elif isinstance(m, torch.nn.MaxPool2d):
                def pool(mod, inp, out, n=name):
                    seen[("maxpool", n)] = F.max_pool2d(inp[0].detach(), mod.kernel_size, mod.stride, mod.padding,
                                                        mod.dilation, ceil_mode=mod.ceil_mode,
                                                        return_indices=True)[1]
                hooks.append(m.register_forward_hook(pool))
        with torch.no_grad():
            model(x)
        for h in hooks:
            h.remove()
        return seen

    a, b = trace(model_a), trace(model_b)
    out: Dict[str, Dict[str, int]] = {"relu": {}, "maxpool": {}}
    for (kind, name), v in a.items():
        n = int((v != b[(kind, name)]).sum())
        if n:
            blk = _block(name)
            out[kind][blk] = out[kind].get(blk, 0) + n
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m inception.train.crosscheck",
                                description="Train the PyTorch and the Keras engine on the same batches from the "
                                            "same initial weights and compare their losses step by step.")
    p.add_argument("--data-dir", metavar="DIR", help="UC Merced folder (default: $UCMERCED_DIR, else data/ucmerced)")
    p.add_argument("--steps", type=int, default=50, help="training steps (the one-cycle schedule fits in them)")
    p.add_argument("--seed", type=int, default=0, help="initial weights, data order and augmentation")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--source-size", type=int, default=256, help="side of the images crops are cut from")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--variant", default="bn", choices=("bn", "paper"))
    p.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    p.add_argument("--cache-dir", metavar="DIR", help="decoded-image cache (default data/cache)")
    p.add_argument("--yardsticks", type=int, default=YARDSTICKS,
                   help=f"nudged PyTorch runs behind the yardstick (default {YARDSTICKS})")
    p.add_argument("--no-yardstick", action="store_true", help="skip the PyTorch-against-itself runs")
    p.add_argument("--flips", action="store_true",
                   help="count, at every step, the ReLUs and max pools where the networks take different branches")
    p.add_argument("--out", metavar="FILE", help="write the result as JSON")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from .common import user_errors

    try:
        result = crosscheck(args.data_dir, args.steps, args.seed, args.image_size, args.batch_size, args.variant,
                            args.dtype, args.source_size, args.cache_dir, yardstick=not args.no_yardstick,
                            yardsticks=args.yardsticks, flips=args.flips)
    except user_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
        print(f"written to {args.out}")
    ok = result["early_ok"] is not False and result.get("within_yardstick", True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
