"""GoogLeNet and the Inception family, described once and built in PyTorch and Keras.

Submodules:

- ``inception.spec``      the architecture as data (the paper's Table 1)
- ``inception.counting``  analytic parameter and multiply-add counts from a spec
- ``inception.torch``     PyTorch builders (``googlenet``, ...)
- ``inception.keras``     Keras 3 builders with the same names and arguments

The framework subpackages are imported lazily, so ``import inception`` needs
neither framework, and ``from inception import torch as it`` leaves the real
``torch`` package untouched (absolute imports inside the package).
"""

import importlib.util as _importlib_util
import sys as _sys

__version__ = "0.1.0"


def _load_triton_before_tensorflow() -> None:
    """PyPI's CUDA build of PyTorch ships Triton, whose native library crashes
    the interpreter (segmentation fault) when it loads after TensorFlow's, as
    it does the first time torchvision is imported after TensorFlow. Loading
    it first avoids that; where Triton is absent this costs nothing."""
    if "tensorflow" in _sys.modules or _importlib_util.find_spec("triton") is None:
        return
    try:
        import triton  # noqa: F401
    except Exception:  # a broken Triton must not break this package
        pass


_load_triton_before_tensorflow()

#: The repository the book and its Colab cells install from (also in _config.yml).
REPOSITORY_URL = "https://github.com/inception-book/googlenet-inception"
