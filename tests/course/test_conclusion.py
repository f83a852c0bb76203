"""Chapter 8 (inception.course.conclusion): the main claims, recomputed."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from inception import crosscheck  # noqa: E402,F401
from inception.counting import conv_params, count_blocks, count_layers, googlenet_totals, inception_cost  # noqa: E402,F401
from inception.course import (  # noqa: E402,F401
    architecture,
    conclusion,
    implementation,
    inception_module,
    introduction,
    motivation,
    versions,
)
from inception.spec import INCEPTION_ROWS, TABLE1, InceptionBlock, googlenet_spec, with_row  # noqa: E402,F401


def test_verification_summary_all_agree():
    rows = conclusion.verification_summary(include_keras=False)
    assert len(rows) >= 10
    assert all(r["agrees"] for r in rows), [r for r in rows if not r["agrees"]]
