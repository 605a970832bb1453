"""koomap-tui: a keyboard-driven operations console for Huawei Cloud KooMap."""

__version__ = "0.1.0"
