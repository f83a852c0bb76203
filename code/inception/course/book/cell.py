"""The Colab cell of every chapter: its tag and its exact source, and the smoke switch's name."""

from __future__ import annotations

from inception import REPOSITORY_URL

#: The environment variable that selects the smoke configuration.
SMOKE_ENV = "INCEPTION_SMOKE"

#: Tag carried by the Colab cell of every chapter (tests look for it).
COLAB_CELL_TAG = "colab-setup"

#: Light dependencies the package needs beyond what Colab ships.
COLAB_EXTRA_PACKAGES = ("torchinfo",)


def colab_cell_source(repository_url: str = REPOSITORY_URL) -> str:
    """The exact source of every chapter's first code cell.

    On Colab: install the package from the repository with ``--no-deps``
    (Colab's torch, torchvision, TensorFlow and Keras stay as they are), add
    the few light dependencies Colab lacks, then report the GPU.
    """
    extras = " ".join(COLAB_EXTRA_PACKAGES)
    return (
        "# Runs on Colab only: install this book's package (Colab's torch and TensorFlow are kept).\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install -q --no-deps \"git+{repository_url}\"\n"
        f"    %pip install -q {extras}\n"
        "from inception.course.book import colab_setup\n"
        "colab_setup()"
    )
