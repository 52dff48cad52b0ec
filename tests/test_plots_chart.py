"""The accuracy-vs-operations ball chart."""

import pytest

from keras_archs import registry
from keras_archs.plots import accuracy_vs_macs, reference_stats

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tiny_with_top1(tiny_models, monkeypatch):
    """tiny4 with a reference top-1, tiny8 without one."""
    import dataclasses

    info = registry._REGISTRY["tiny4"]
    monkeypatch.setitem(registry._REGISTRY, "tiny4", dataclasses.replace(
        info, top1=50.0, top1_source="test", reference_input_shape=(32, 32, 3)))
    monkeypatch.setitem(registry._REGISTRY, "tiny8", dataclasses.replace(
        registry._REGISTRY["tiny8"], reference_input_shape=(32, 32, 3)))
    return ["tiny4", "tiny8"]


def test_chart_has_one_ball_per_model_with_a_top1(tiny_with_top1, tmp_path):
    stats = reference_stats(tiny_with_top1)
    # tiny4 at its reference shape: a 3×3 stride-2 conv 3→4 on 32×32 (15×15 output)
    # and a 4→1000 Dense (the reference counts are for 1000 ImageNet classes).
    assert stats["tiny4"]["gmacs"] * 1e9 == pytest.approx(15 * 15 * 9 * 3 * 4 + 4 * 1000)
    fig = accuracy_vs_macs(tiny_with_top1, out=tmp_path / "chart.png", stats=stats)
    balls = fig.axes[0].collections[0]
    assert len(balls.get_offsets()) == 1  # tiny8 has no reference top-1
    assert tuple(balls.get_offsets()[0]) == pytest.approx((stats["tiny4"]["gmacs"], 50.0))
    assert fig.axes[0].get_xscale() == "log"
    assert (tmp_path / "chart.png").read_bytes().startswith(PNG_MAGIC)


def test_chart_needs_a_model_with_a_top1(tiny_with_top1, tmp_path):
    with pytest.raises(ValueError, match="names must include at least one model"):
        accuracy_vs_macs(["tiny8"], out=tmp_path / "chart.png")
