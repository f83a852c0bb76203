"""The CPU benchmarks behind the Performance appendix, one command.

    UCMERCED_DIR=/path/to/UCMerced_LandUse python benchmarks/run_all.py          # about 20 minutes, quiet machine
    python benchmarks/run_all.py --quick                                         # a minute: checks the scripts
    python benchmarks/run_all.py --probes                                        # also the Keras probes and the pipeline

Run it on a quiet machine: each script first waits (up to 15 minutes) for the
one-minute load average to fall below a quarter of the cores, samples the load
while it runs, and marks its record ``"reliable": false`` with the reason if
other work ran meanwhile (``--refuse-if-loaded`` makes it write nothing
instead). The appendix renders reliable records only.

* ``bench_models.py``: our two engines, with their data loading on the real
  images (``$UCMERCED_DIR``), beside torchvision's GoogLeNet in its best
  settings, at 128 and 224 px, one thread, interleaved rounds
  (``data/benchmarks/models-cpu.json``, about 10 minutes);
* ``bench_zoo.py``: "Is GoogLeNet efficient?": eight networks counted and
  timed at 224 px (``data/benchmarks/zoo-cpu.json``, about 10 minutes);
* with ``--probes``: ``keras_probe.py``, ``keras_fused_bn.py`` and
  ``bench_data.py`` (diagnostics; the appendix does not read them).

``--quick`` runs each script's ``--quick`` mode: tiny sizes, one round, never a
measurement. Extra options (``--refuse-if-loaded``, ``--quiet-timeout S``,
``--max-load-per-core X``) are passed on to both benchmarks.
On a machine with a GPU, ``bash benchmarks/gpu_check.sh`` is the one command.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in argv
    probes = "--probes" in argv
    passed = [a for a in argv if a not in ("--quick", "--probes")]
    extra = (["--quick"] if quick else []) + passed
    rc = 0
    for script in ("bench_models.py", "bench_zoo.py"):
        rc |= subprocess.call([sys.executable, str(HERE / script), *extra])
    if probes and not quick:
        for script in ("keras_probe.py", "keras_fused_bn.py", "bench_data.py"):
            rc |= subprocess.call([sys.executable, str(HERE / script)])
    return rc


if __name__ == "__main__":
    sys.exit(main())
