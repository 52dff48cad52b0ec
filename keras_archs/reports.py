"""Plain-text tables for the terminal (comparison summaries, model lists)."""

from __future__ import annotations

__all__ = ["format_table", "human", "seconds"]


def human(value) -> str:
    """Short human form: 33638218 → '33.64M', 0.91234 → '0.9123', None → '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(value) >= scale:
                return f"{value / scale:.2f}{unit}"
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def seconds(value) -> str:
    """A duration to a useful precision: 0.0734 → '0.073', 3.1234 → '3.1', 312.4 → '312'."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.2g}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def format_table(rows, columns, formats=None) -> str:
    """Rows (dicts) as an aligned text table with a header and a rule.

    Cells are written by :func:`human`, or by ``formats[column]`` (a callable).
    """
    formats = formats or {}
    cells = [[formats.get(col, human)(row.get(col)) for col in columns] for row in rows]
    widths = [max([len(col)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
    line = lambda vals: "  ".join(  # noqa: E731
        v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(vals, widths)))
    out = [line(columns), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    return "\n".join(out)
