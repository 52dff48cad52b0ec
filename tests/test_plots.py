"""Training-curve figures."""

import matplotlib

matplotlib.use("Agg")

from keras_archs.plots import plot_histories  # noqa: E402


def test_one_epoch_curves_have_whole_epoch_ticks_and_distinct_markers(tmp_path):
    histories = {"lenet5": {"loss": [2.1], "val_loss": [2.2], "accuracy": [0.3],
                            "val_accuracy": [0.25]},
                 "simple_cnn": {"loss": [1.9], "val_loss": [2.0], "accuracy": [0.4],
                                "val_accuracy": [0.35]}}
    fig = plot_histories(histories, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 0
    for ax in fig.axes:
        labels = [t.get_text().replace("\u2212", "-") for t in ax.get_xticklabels()]
        assert labels == ["1"], labels  # not 0.95, 1.00, 1.05
        lo, hi = ax.get_xlim()
        assert lo < 1 < hi
        lines = {line.get_label(): line for line in ax.get_lines()}
        train, val = lines["lenet5 train"], lines["lenet5 val"]
        # One point has no line to tell train from validation: the markers do.
        assert (train.get_marker(), val.get_marker()) == ("o", "s")
        assert val.get_markerfacecolor() == "none" != train.get_markerfacecolor()
        assert train.get_color() == val.get_color() != lines["simple_cnn train"].get_color()


def test_longer_runs_keep_integer_ticks(tmp_path):
    history = {"m": {"loss": [3.0 - 0.1 * i for i in range(30)],
                     "accuracy": [0.1 + 0.02 * i for i in range(30)]}}
    fig = plot_histories(history, tmp_path / "curves.png")
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 30]
        assert ticks and all(float(t).is_integer() for t in ticks)
