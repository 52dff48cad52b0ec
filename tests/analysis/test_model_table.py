"""The README's model table is generated from the registry and must stay in sync.

Regenerate it with ``python -m keras_archs.analysis.model_table``. The registry's own
columns (name, family, paper, reference params, top-1, weights that load) are checked
for every model; the measured GMACs columns are recomputed for two small models.
"""

from pathlib import Path

import pytest

from keras_archs import list_models
from keras_archs.analysis.model_table import main, measure, metadata_cells, readme_rows

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_registry_model_once():
    rows = readme_rows(README.read_text(encoding="utf-8"))
    assert list(rows) == list_models(), (
        "README.md's model table is out of date: run python -m "
        "keras_archs.analysis.model_table")


@pytest.mark.parametrize("name", list_models())
def test_readme_row_matches_the_registry(name):
    row = readme_rows(README.read_text(encoding="utf-8")).get(name)
    assert row is not None, f"{name} has no row in README.md's model table"
    for column, value in metadata_cells(name).items():
        assert row[column] == value, (name, column)


@pytest.mark.parametrize("name", ["lenet5", "resnet20"])
def test_readme_gmacs_are_what_count_macs_measures(name):
    row = readme_rows(README.read_text(encoding="utf-8"))[name]
    for column, value in measure(name).items():
        assert row[column] == value, (name, column)


def test_check_mode_passes_on_the_committed_readme():
    assert main(["--check", "--readme", str(README)]) == 0
