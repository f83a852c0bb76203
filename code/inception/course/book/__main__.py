"""``python -m inception.course.book execute|sync-colab|words NOTEBOOK...``, ``python -m inception.course.book colab --out DIR``."""

import sys

from .cli import main

sys.exit(main())
