"""The command line: ``python -m inception.train --help``.

Exit status: 0 after a finished (or deliberately stopped) run, 2 for a
problem the user must fix (bad option, missing data, unwritable or occupied
output folder, a resume that does not match), printed as one ``error:``
message without a traceback; 130 when interrupted. Anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from .common import user_errors
    from .config import config_from_args
    from .loop import train

    cfg = config_from_args(argv)  # argparse exits with status 2 on malformed options
    try:
        record = train(cfg)
    except user_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; continue with --resume", file=sys.stderr)
        return 130
    return 0 if record.get("status") in ("finished", "stopped") else 1
