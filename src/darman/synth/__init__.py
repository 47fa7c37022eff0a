"""Reproducible synthetic national dataset on the real province figures."""
