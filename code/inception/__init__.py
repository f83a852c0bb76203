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

__version__ = "0.1.0"

#: The repository the book and its Colab cells install from (also in _config.yml).
REPOSITORY_URL = "https://github.com/inception-book/googlenet-inception"
