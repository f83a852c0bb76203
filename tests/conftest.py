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


#: The longest test files, longest first (measured on 2 cores: each takes one to
#: five minutes, most others seconds). CI runs the tests on two processes, one
#: file per process at a time (pytest-xdist, --dist loadfile); starting the long
#: files first keeps both processes busy to the end instead of leaving one
#: finishing a long file alone. The order of tests within a file is unchanged.
LONG_FILES = ("test_train_equivalence.py", "test_train_resilience.py", "test_gpu_check.py", "test_train_keras.py", "test_train_evaluate.py",
              "test_train_models.py", "test_port.py", "test_train_torch.py", "test_implementation.py",
              "test_versions_keras.py", "test_registry.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))  # stable: files stay whole
