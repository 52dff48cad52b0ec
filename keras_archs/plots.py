"""Plots: training curves of several models in one figure."""

from __future__ import annotations

from pathlib import Path

__all__ = ["plot_histories"]


def plot_histories(histories: dict, path, title: str | None = None):
    """Loss and accuracy per epoch for every model: train solid with filled circles,
    validation dashed with hollow squares (told apart even with one epoch, where
    there are no lines), one colour per model, ticks on whole epochs.

    ``histories`` maps a model name to a Keras ``History.history`` dict. Saves a PNG
    at ``path`` and returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    epochs_seen = max((len(v) for hist in histories.values() for v in hist.values()
                       if isinstance(v, (list, tuple))), default=1)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for i, (name, hist) in enumerate(histories.items()):
            color = colors[i % len(colors)]
            for key, style, marker, face, label in (
                    (metric, "-", "o", color, "train"),
                    (f"val_{metric}", "--", "s", "none", "val")):
                values = hist.get(key)
                if values:
                    epochs = range(1, len(values) + 1)
                    ax.plot(epochs, values, style, color=color, marker=marker,
                            markersize=6, markerfacecolor=face, markeredgewidth=1.5,
                            label=f"{name} {label}")
        # Whole epochs only: with one or a few epochs, matplotlib would otherwise
        # spread fractional ticks (0.95, 1.00, 1.05) around the single point.
        ax.set_xlim(0.5, epochs_seen + 0.5)
        if epochs_seen <= 20:
            ax.set_xticks(range(1, epochs_seen + 1))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig
