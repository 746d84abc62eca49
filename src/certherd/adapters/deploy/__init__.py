"""The I/O behind deployments: atomic file writes and the TLS probe."""
