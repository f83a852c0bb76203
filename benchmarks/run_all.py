"""Every benchmark, one command: model throughput, then the input pipeline.

    python benchmarks/run_all.py [--quick]

Each script writes its JSON record into data/benchmarks/ and prints its ratios.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = ["--quick"] if "--quick" in sys.argv[1:] else []
    rc = subprocess.call([sys.executable, str(HERE / "bench_models.py"), *quick])
    if not quick:
        rc |= subprocess.call([sys.executable, str(HERE / "bench_data.py")])
    return rc


if __name__ == "__main__":
    sys.exit(main())
