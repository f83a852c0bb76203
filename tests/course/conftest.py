"""The course's tests share the helpers of ``tests/`` (``data_fixtures``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
