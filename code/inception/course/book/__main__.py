"""``python -m inception.course.book execute|sync-colab NOTEBOOK...``."""

import sys

from .notebooks import main

sys.exit(main())
