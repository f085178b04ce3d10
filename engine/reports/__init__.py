"""Report exports (goAML XML and others)."""
