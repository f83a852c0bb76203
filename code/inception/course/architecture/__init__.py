"""Chapter 5, the architecture: the paper's Table 1 against the spec, each
mismatch investigated (:mod:`.table1`), and where a unit looks, its
receptive field (:mod:`.receptive`)."""

from .receptive import *  # noqa: F401,F403
from .table1 import *  # noqa: F401,F403
