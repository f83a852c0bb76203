"""``python -m inception.book execute|sync-colab NOTEBOOK...``."""

import sys

from .notebooks import main

sys.exit(main())
