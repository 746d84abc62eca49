"""certherd: a self-hosted certificate lifecycle manager."""

__version__ = "0.1.0"
