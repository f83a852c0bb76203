"""Chapter 3, the Inception module: what 1x1 reductions and a pooled head
save (:mod:`.costs`), and a cost explorer that changes one row of Table 1
and counts again in three ways (:mod:`.explorer`)."""

from .costs import *  # noqa: F401,F403
from .explorer import *  # noqa: F401,F403
