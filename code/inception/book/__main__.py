"""``python -m inception.book execute|sync-colab|words NOTEBOOK...``, ``python -m inception.book colab --out DIR``."""

import sys

from .cli import main

sys.exit(main())
