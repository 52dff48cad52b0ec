"""Model analysis: parameter and multiply-accumulate counts."""

from keras_archs.analysis.flops import count_macs, count_params

__all__ = ["count_macs", "count_params"]
