"""Plots: training curves of several models in one figure."""

from __future__ import annotations

from pathlib import Path

__all__ = ["plot_histories"]


def plot_histories(histories: dict, path, title: str | None = None):
    """Loss and accuracy per epoch for every model: train solid, validation dashed.

    ``histories`` maps a model name to a Keras ``History.history`` dict. Saves a PNG
    at ``path`` and returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for panel, (ax, metric) in enumerate(zip(axes, ("loss", "accuracy"))):
        for i, (name, hist) in enumerate(histories.items()):
            color = colors[i % len(colors)]
            for key, style, label in ((metric, "-", "train"),
                                      (f"val_{metric}", "--", "val")):
                values = hist.get(key)
                if values:
                    epochs = range(1, len(values) + 1)
                    ax.plot(epochs, values, style, color=color, marker="o",
                            markersize=3, label=f"{name} {label}")
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
