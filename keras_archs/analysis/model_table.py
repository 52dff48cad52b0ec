"""The README's model table, generated from the registry.

    python -m keras_archs.analysis.model_table            # rewrite README.md's table
    python -m keras_archs.analysis.model_table --check    # exit 1 if it is out of date

One row per registry model: name, family, paper, reference parameters (with 1000
classes at the reference input: 224×224 unless the cell says otherwise), multiply-adds
per image at that reference input and at 32×32 (10 classes), the reference ImageNet top-1 (a published figure,
not measured here) and which pretrained weights load. The table sits between two
marker comments in README.md; everything else there is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

__all__ = ["BEGIN", "END", "COLUMNS", "metadata_cells", "render", "measure",
           "readme_rows"]

BEGIN = "<!-- model-table:begin (python -m keras_archs.analysis.model_table) -->"
END = "<!-- model-table:end -->"
COLUMNS = ("model", "family", "paper", "reference params", "GMACs @ref",
           "GMACs @32", "top-1 (ref.)", "pretrained weights that load")
# Columns that come from the registry alone (no model is built for them).
METADATA_COLUMNS = ("model", "family", "paper", "reference params", "top-1 (ref.)",
                    "pretrained weights that load")


def weights_cell(info) -> str:
    loads = []
    if info.keras_applications:
        loads.append(f"keras.applications `{info.keras_applications}` (`imagenet`)")
    if info.torchvision:
        loads.append(f"torchvision `{info.torchvision}`")
    if info.timm:
        loads.append(f"timm `{info.timm}`")
    return " · ".join(loads) or "–"


def metadata_cells(name) -> dict[str, str]:
    from keras_archs.registry import model_info

    info = model_info(name)
    params = f"{info.reference_params:,}" if info.reference_params else "–"
    if info.reference_params and tuple(info.reference_input_shape) != (224, 224, 3):
        shape = "×".join(map(str, info.reference_input_shape))
        params += f" @{shape}"
    top1 = f"{info.top1:.1f}" if info.top1 is not None else "–"
    return {"model": f"`{name}`", "family": info.family, "paper": info.paper,
            "reference params": params, "top-1 (ref.)": top1,
            "pretrained weights that load": weights_cell(info)}


def measure(name) -> dict[str, str]:
    """GMACs per image at the reference input (224×224 for most) and at 32×32."""
    import keras

    from keras_archs.analysis import count_macs
    from keras_archs.registry import create_model, model_info

    info = model_info(name)
    cells = {}
    if max(info.default_input_shape[:2]) <= 64:
        # A CIFAR-only model (resnet20, wrn28_10, ...): its reference input is 32×32.
        cells["GMACs @ref"] = "–"
    for column, shape, classes in (("GMACs @ref", info.reference_input_shape, 1000),
                                   ("GMACs @32", (32, 32, info.default_input_shape[2]),
                                    10)):
        if column in cells:
            continue
        try:
            model = create_model(name, input_shape=shape, num_classes=classes)
        except ValueError:  # an input this model cannot take (e.g. Inception at 32)
            cells[column] = "–"
            continue
        gmacs = count_macs(model) / 1e9
        cells[column] = f"{gmacs:.3f}" if gmacs >= 0.01 else f"{gmacs:.5f}"
        del model
        keras.backend.clear_session()
    return cells


def render(rows: dict[str, dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "| " + " | ".join("---:" if c.startswith(("reference", "GMACs", "top"))
                               else "---" for c in COLUMNS) + " |"]
    lines += ["| " + " | ".join(row[c] for c in COLUMNS) + " |" for row in rows.values()]
    return "\n".join([BEGIN, *lines, END])


def readme_rows(readme_text: str) -> dict[str, dict[str, str]]:
    """The table in README.md, parsed back into ``{name: {column: cell}}``."""
    match = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), readme_text, re.S)
    if not match:
        raise ValueError(f"README.md has no model table between {BEGIN!r} and {END!r}")
    rows = {}
    for line in match.group(1).strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        row = dict(zip(COLUMNS, cells))
        rows[row["model"].strip("`")] = row
    return rows


def main(argv=None) -> int:
    from keras_archs.registry import list_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", default=str(Path(__file__).resolve().parents[2] /
                                                "README.md"))
    parser.add_argument("--check", action="store_true",
                        help="only compare the registry's columns; exit 1 if stale")
    args = parser.parse_args(argv)
    readme = Path(args.readme)
    text = readme.read_text(encoding="utf-8")
    if args.check:
        current = readme_rows(text)
        stale = [n for n in list_models() if n not in current or any(
            current[n].get(c) != v for c, v in metadata_cells(n).items())]
        stale += [n for n in current if n not in list_models()]
        if stale:
            print(f"README.md's model table is out of date for: {', '.join(stale)}; "
                  "run python -m keras_archs.analysis.model_table", file=sys.stderr)
            return 1
        return 0
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme} has no {BEGIN!r} … {END!r} markers for the table")
    rows = {}
    for name in list_models():
        rows[name] = {**metadata_cells(name), **measure(name)}
        print(" | ".join(rows[name][c] for c in COLUMNS), flush=True)
    table = render(rows)
    start, end = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:start] + table + text[end:], encoding="utf-8")
    print(f"wrote {len(rows)} rows into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
