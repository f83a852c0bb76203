"""Chapter 8 (inception.course.conclusion): the main claims, recomputed."""

import matplotlib

matplotlib.use("Agg")

from inception.course import conclusion  # noqa: E402


def test_verification_summary_all_agree():
    rows = conclusion.verification_summary(include_keras=False)
    assert len(rows) >= 10
    assert all(r["agrees"] for r in rows), [r for r in rows if not r["agrees"]]
