"""Plots: training curves of several models in one figure, and the
accuracy-vs-operations ball chart of the registry's architectures."""

from __future__ import annotations

from pathlib import Path

__all__ = ["plot_histories", "accuracy_vs_macs", "reference_stats"]


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


def reference_stats(names) -> dict:
    """``{name: {"params", "gmacs", "top1"}}`` of registry models at their reference
    input shape (224×224 for most, 299 for Inception-v3) with 1000 classes."""
    import keras

    from keras_archs.analysis import count_macs
    from keras_archs.registry import create_model, model_info

    stats = {}
    for name in names:
        info = model_info(name)
        model = create_model(name, input_shape=info.reference_input_shape,
                             num_classes=1000)
        stats[name] = {"params": model.count_params(),
                       "gmacs": count_macs(model) / 1e9, "top1": info.top1}
        del model
        keras.backend.clear_session()
    return stats


def accuracy_vs_macs(names=None, out="accuracy_vs_macs.png", *, stats=None,
                     title="ImageNet top-1 vs multiply-adds (ball area ∝ parameters)"):
    """The chart every practitioner knows: one ball per network, x = GMACs per image
    (log scale), y = reference ImageNet top-1, ball area proportional to parameters.

    Args:
        names: registry names; default every model that records a reference top-1
            (``ModelInfo.top1``, with its source). Models without one are left out.
        out: PNG path.
        stats: precomputed :func:`reference_stats` output, to avoid building every
            model again.

    Returns:
        The matplotlib figure. The top-1 values are published figures (sources in
        ``ModelInfo.top1_source``), not accuracies measured by keras-archs.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from keras_archs.registry import list_models, model_info

    if names is None:
        names = [n for n in list_models() if model_info(n).top1 is not None]
    names = [n for n in names if model_info(n).top1 is not None]
    if not names:
        raise ValueError("names must include at least one model with a reference "
                         "top-1 (ModelInfo.top1)")
    stats = stats or reference_stats(names)
    xs = [stats[n]["gmacs"] for n in names]
    ys = [model_info(n).top1 for n in names]
    params = [stats[n]["params"] for n in names]
    families = sorted({model_info(n).family for n in names})
    colors = plt.get_cmap("tab20").colors  # 20 distinct colours: one per family
    color_of = {f: colors[i % len(colors)] for i, f in enumerate(families)}

    fig, ax = plt.subplots(figsize=(12, 7.5))
    # Area ∝ parameters: 25 M parameters (ResNet-50) → a 600 pt² ball.
    ax.scatter(xs, ys, s=[p / 25e6 * 600 for p in params], alpha=0.45,
               c=[color_of[model_info(n).family] for n in names], edgecolors="black",
               linewidths=0.5)
    for n, x, y in zip(names, xs, ys):
        ax.annotate(n, (x, y), fontsize=7, ha="center", va="center")
    for family in families:
        ax.scatter([], [], s=60, alpha=0.45, color=color_of[family], label=family)
    ax.set_xscale("log")
    ax.set_xlabel("multiply-adds per image (GMACs, log scale)")
    ax.set_ylabel("reference ImageNet top-1 (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize=8, ncol=2)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return fig
