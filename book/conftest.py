"""nbval configuration for the book's notebooks (``pytest --nbval-lax book``).

pytest applies a conftest's hooks to the files below its folder, so this file
(not ``tests/conftest.py``) is the one that reaches ``book/*.ipynb``.

* The notebooks run in the smoke configuration unless INCEPTION_SMOKE says
  otherwise, with TensorFlow's C++ logging turned down: the kernels inherit
  this process's environment.
* ``stderr`` is never compared. TensorFlow writes start-up lines straight to
  the process's stderr (not through Python's logging), progress bars go there
  too, and their presence and text vary between runs. Every other output of a
  checked cell (``# NBVAL_CHECK_OUTPUT`` or the ``nbval-check-output`` tag) is
  still compared: stdout, text/plain, text/html, glued values.
"""

import os

os.environ.setdefault("INCEPTION_SMOKE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collectstart(collector):
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        if "stderr" not in collector.skip_compare:
            collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)
