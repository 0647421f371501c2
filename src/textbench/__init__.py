"""textbench: train from scratch or fine-tune? Compare both under identical conditions."""

__version__ = "0.1.0"
