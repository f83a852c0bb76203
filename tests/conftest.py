"""pytest configuration for ``tests/``.

nbval reads the hooks of the conftest files above each notebook; the book's
notebooks get theirs from ``book/conftest.py``. The hook below does the same
for notebooks collected under ``tests/`` (none today): stderr, where
TensorFlow and progress bars write, is never compared.
"""


def pytest_collectstart(collector):
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        if "stderr" not in collector.skip_compare:
            collector.skip_compare = tuple(collector.skip_compare) + ("stderr",)
