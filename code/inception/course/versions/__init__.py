"""Chapter 4, Inception v1-v4: the later versions' ideas worked out on small
numbers (:mod:`.ideas`), one module per version at a fixed size and the
factorisation savings (:mod:`.modules`), and the published counts the builds
are checked against (:mod:`.reference`).

The specs are :mod:`inception.spec` (``inception.spec.versions``), the counts
:mod:`inception.counting`; the builders are ``inception.torch.inception_v3`` /
``inception_v4`` / ``bn_inception`` and their Keras twins.
"""

from .ideas import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .reference import *  # noqa: F401,F403
