"""Execute the book's notebooks in place and keep their Colab cell current
(the commands: :mod:`inception.course.book.cli`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from .cell import COLAB_CELL_TAG, SMOKE_ENV, colab_cell_source


# --------------------------------------------------------------------------
# Notebooks: structure, the Colab cell, execution
# --------------------------------------------------------------------------


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _read(path: Union[str, os.PathLike]) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def notebook_title(nb: Union[str, os.PathLike, Mapping[str, Any]]) -> Optional[str]:
    """The ``# Title`` of a notebook: the first level-1 heading of its first
    markdown cell, or ``None``."""
    if not isinstance(nb, Mapping):
        nb = _read(nb)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        for line in _source(cell).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return None
    return None


def find_colab_cell(nb: Mapping[str, Any]) -> Optional[int]:
    """Index of the notebook's first code cell, if it is the Colab cell
    (tagged :data:`COLAB_CELL_TAG`); otherwise ``None``."""
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            return i if COLAB_CELL_TAG in tags else None
    return None


def _colab_cell() -> Dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [COLAB_CELL_TAG, "remove-cell"]},
        "outputs": [],
        "source": colab_cell_source().splitlines(keepends=True),
    }


def sync_colab_cell(path: Union[str, os.PathLike]) -> bool:
    """Make the first code cell of the notebook at ``path`` the current Colab
    cell (inserting one after the title cell if there is none), hidden from
    the book with the ``remove-cell`` tag. Returns whether the file changed."""
    nb = _read(path)
    cells = nb.setdefault("cells", [])
    i = find_colab_cell(nb)
    if i is None:
        first_md = next((k for k, c in enumerate(cells) if c.get("cell_type") == "markdown"), -1)
        cells.insert(first_md + 1, _colab_cell())
        changed = True
    else:
        tags = cells[i].setdefault("metadata", {}).setdefault("tags", [])
        changed = _source(cells[i]) != colab_cell_source() or "remove-cell" not in tags
        cells[i]["source"] = colab_cell_source().splitlines(keepends=True)
        if "remove-cell" not in tags:  # plumbing: runs on Colab, not shown in the book
            tags.append("remove-cell")
    if changed:
        _write(path, nb)
    return changed


def _write(path: Union[str, os.PathLike], nb: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def is_photo_output(output: Mapping[str, Any]) -> bool:
    """A display output holding a JPEG: a photograph of the data set."""
    return "image/jpeg" in output.get("data", {})


def execute_notebook(path: Union[str, os.PathLike], smoke: bool = True, timeout: int = 1800,
                     kernel_name: str = "python3", keep_stderr: bool = False,
                     keep_photos: bool = False) -> float:
    """Execute the notebook at ``path`` in place, in its own folder, with the
    smoke switch set (``smoke=False`` for the full configuration) and
    TensorFlow's C++ logging silenced. Returns the seconds it took.

    Outputs are saved as the build produces them, except stderr streams
    (TensorFlow's start-up logs, progress bars), which the book does not
    show either (``stderr_output: remove`` in ``_config.yml``); pass
    ``keep_stderr=True`` to keep them. Photographs of the data set (JPEG
    outputs, see ``inception.course.results.show_photos``) are dropped too: the
    repository holds no data-set images, and the book build, which executes
    every chapter where the data is, shows them. Execution timestamps are not
    recorded, so re-running an unchanged notebook leaves a small diff.
    """
    import time

    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in (SMOKE_ENV, "TF_CPP_MIN_LOG_LEVEL")}
    os.environ[SMOKE_ENV] = "1" if smoke else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    try:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name=kernel_name, record_timing=False,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs
                            if (keep_stderr or not (o.get("output_type") == "stream" and o.get("name") == "stderr"))
                            and (keep_photos or not is_photo_output(o))]
    nbformat.write(nb, path)
    return time.perf_counter() - start
