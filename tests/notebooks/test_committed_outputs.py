"""Every committed notebook shows its results: outputs in every cell, no errors, a figure
where it plots, and a first line that says which run produced them.

Covers notebooks/*.ipynb, so a new notebook is checked without editing this file. Only
reads the JSON: cheap. (notebooks/execute.py executes them in place.)
"""

import base64
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# A cell that draws: matplotlib, the library's plots, or Keras' model diagram.
PLOTS = re.compile(
    r"\bplt\.|\bplot_histories\(|\baccuracy_vs_macs\(|\bplot_model\(|\.imshow\(")
# TensorFlow's C++ log lines ("I0000 00:00:1795866203.938931  748 port.cc:153] oneDNN
# custom operations are on ...") and absl's start-up line: noise, not results.
TF_LOG = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+:\d+\]|absl::InitializeLog", re.M)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 250_000
MAX_NOTEBOOK_BYTES = 1_000_000


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Overrides conftest's per-test Keras reset: these tests only read JSON."""
    yield


def _read(path):
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def _is_parameters(cell):
    return "parameters" in cell.metadata.get("tags", [])


def _texts(output):
    """Every text an output carries: stream text, text/* data, traceback lines."""
    texts = []
    if "text" in output:
        texts.append(output["text"])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"):
            texts.append(value if isinstance(value, str) else "".join(value))
    texts.extend(output.get("traceback", []))
    return texts


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 7, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_line_says_which_run_produced_the_outputs(path):
    first = _read(path).cells[0]
    assert first.cell_type == "markdown"
    line = first.source.splitlines()[0]
    assert line.startswith("> **Outputs below:** run on "), line
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", line), f"no date in {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_ran_once_in_order_and_shows_output(path):
    nb = _read(path)
    nbformat.validate(nb)
    cells = _code_cells(nb)
    # One top-to-bottom run in a fresh kernel: execution counts 1, 2, ..., N.
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    silent = [i for i, c in enumerate(nb.cells)
              if c in cells and not _is_parameters(c) and not c.outputs]
    assert not silent, f"code cells without outputs: {silent}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_error_or_log_noise_in_the_outputs(path):
    for i, cell in enumerate(_read(path).cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", \
                f"cell {i}: {output.get('ename')}: {output.get('evalue')}"
            for text in _texts(output):
                assert "Traceback (most recent call last)" not in text, f"cell {i}: {text}"
                assert not TF_LOG.search(text), f"cell {i}: TensorFlow log noise: {text}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_that_plots_shows_a_png(path):
    nb = _read(path)
    plotting = [i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and PLOTS.search(c.source)]
    for i in plotting:
        images = [o for o in nb.cells[i].outputs if "image/png" in o.get("data", {})]
        assert images, f"cell {i} plots but shows no image/png output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_machine_independent_and_small(path):
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES
    for i, cell in enumerate(_read(path).cells):
        for output in cell.get("outputs", []):
            for text in _texts(output):
                assert str(REPO) not in text, f"cell {i} shows this checkout's path"
            if "image/png" in output.get("data", {}):
                png = base64.b64decode(output.data["image/png"])
                assert png.startswith(PNG_SIGNATURE), f"cell {i}: not a PNG"
                assert len(png) < MAX_PNG_BYTES, f"cell {i}: {len(png):,} bytes"
