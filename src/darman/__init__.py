"""Darman: the health deputy's operating system for a national social health insurer."""

__version__ = "0.1.0"
