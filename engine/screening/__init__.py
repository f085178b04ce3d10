"""Sanctions list loading, name normalisation and matching."""
