"""Every CPU benchmark, one command: training speed, the Keras engine taken apart, the input pipeline.

    python benchmarks/run_all.py [--quick]

Each script writes its JSON record into data/benchmarks/ and prints what it
found: ``bench_models.py`` (every configuration at 128 and 224 px, the ratios,
time to accuracy from the run records), ``keras_probe.py`` (the Keras step,
its XLA variant and its data pipeline against the PyTorch step),
``keras_fused_bn.py`` (a fused batch norm in the Keras step: same numbers?
faster?) and ``bench_data.py`` (the input pipeline). ``--quick`` only runs
``bench_models.py --quick``, a check of the script that measures nothing.
On a machine with a GPU, ``bash benchmarks/gpu_check.sh`` is the one command.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    rc = subprocess.call([sys.executable, str(HERE / "bench_models.py"), *(["--quick"] if quick else [])])
    if not quick:
        for script in ("keras_probe.py", "keras_fused_bn.py", "bench_data.py"):
            rc |= subprocess.call([sys.executable, str(HERE / script)])
    return rc


if __name__ == "__main__":
    sys.exit(main())
