"""Typology detectors: one module per typology id (see typologies.base)."""
