"""busviewer: a desktop review tool for breast ultrasound with an Attention U-Net proposal."""

__version__ = "0.1.0"
