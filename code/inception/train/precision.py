"""Which floating-point precision a run computes in, and why (no framework imports).

``--precision auto`` picks, per device:

* a GPU: bf16 mixed precision where the GPU computes bf16 natively (compute
  capability 8.0 and later), else fp16 mixed precision with loss scaling;
* a CPU: bf16 mixed precision where the CPU has native bf16 arithmetic
  (Intel AMX or AVX512-BF16, AMD Zen 4 and later, Arm's BF16 extension), else
  fp32. Without native support, bf16 is emulated and many times slower than
  fp32, so an explicit ``--precision bf16`` on such a CPU warns.

Native support is read from the math library's own query where one exists
(oneDNN's, through PyTorch), otherwise from the CPU's feature flags
(``/proc/cpuinfo`` on Linux), never from the CPU's name. In mixed precision
the weights, the optimiser state, the loss and the batch-norm statistics stay
fp32; only the layers' arithmetic runs in the low precision.
``fp64`` (CPU or GPU, slow) runs everything in double precision: it is how
the two engines can be shown to take the same steps (see
:mod:`inception.train.crosscheck`).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Optional, Tuple

__all__ = ["cpu_flags", "cpu_bf16_support", "choose_precision", "SlowPrecisionWarning"]

#: CPU feature flags (as Linux names them) that mean native bf16 arithmetic.
BF16_FLAGS = ("amx_bf16", "avx512_bf16", "bf16")


class SlowPrecisionWarning(RuntimeWarning):
    """The precision asked for is emulated on this hardware."""


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset:
    """The CPU's feature flags (x86 ``flags``, Arm ``Features``); empty where unknown."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            return frozenset(value.split())
    return frozenset()


def _onednn_bf16() -> Optional[bool]:
    """oneDNN's answer through PyTorch, if PyTorch is already loaded (None: no answer)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return None


def cpu_bf16_support(flags: Optional[frozenset] = None, onednn: Optional[bool] = "query") -> Tuple[bool, str]:
    """``(native, how we know)`` for this machine's CPU.

    ``flags`` and ``onednn`` replace the machine's answers (for tests):
    ``onednn=None`` means "no library query available".
    """
    if onednn == "query":
        onednn = _onednn_bf16()
    if onednn is not None:
        return onednn, f"oneDNN reports {'native' if onednn else 'no native'} bf16 on this CPU"
    flags = cpu_flags() if flags is None else flags
    have = sorted(f for f in BF16_FLAGS if f in flags)
    if have:
        return True, f"the CPU flags list {', '.join(have)}"
    return False, f"the CPU flags list none of {', '.join(BF16_FLAGS)}"


def choose_precision(requested: str, device: str, gpu_bf16: bool = False,
                     cpu_support: Optional[Tuple[bool, str]] = None) -> Tuple[str, str]:
    """``(precision, reason)`` for ``requested`` (auto, fp32, fp16, bf16, fp64) on ``device`` ("cpu"/"gpu").

    Raises:
        ValueError: fp16 on a CPU, or an unknown precision.
    """
    if requested not in ("auto", "fp32", "fp16", "bf16", "fp64"):
        raise ValueError(f"unknown precision {requested!r}")
    if device == "gpu":
        if requested == "auto":
            if gpu_bf16:
                return "bf16", "auto: the GPU computes bf16 natively"
            return "fp16", "auto: the GPU has no native bf16, so fp16 with loss scaling"
        return requested, "asked for"
    if requested == "fp16":
        raise ValueError("precision fp16 needs a GPU; use fp32 or bf16 on the CPU")
    native, how = cpu_bf16_support() if cpu_support is None else cpu_support
    if requested == "auto":
        if native:
            return "bf16", f"auto: native bf16 on this CPU ({how})"
        return "fp32", f"auto: fp32, as there is no native bf16 on this CPU ({how})"
    if requested == "bf16" and not native:
        warnings.warn(f"bf16 asked for on a CPU without native bf16 ({how}): it is emulated and will be "
                      "many times slower than fp32", SlowPrecisionWarning, stacklevel=2)
        return "bf16", f"asked for, although this CPU has no native bf16 ({how})"
    return requested, "asked for"
