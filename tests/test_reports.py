"""Plain-text tables."""

from keras_archs.reports import format_table, seconds


def test_seconds_have_a_useful_precision():
    assert [seconds(v) for v in (0.07341, 0.5, 3.14159, 12.345, 312.4, None)] == [
        "0.073", "0.5", "3.1", "12.3", "312", "-"]


def test_format_table_takes_a_formatter_per_column():
    table = format_table([{"model": "a", "s": 3.14159, "acc": 0.91234}], ("model", "s", "acc"),
                         formats={"s": seconds})
    assert table.splitlines()[2].split() == ["a", "3.1", "0.9123"]
