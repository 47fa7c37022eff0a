"""Command line: one Typer sub-app per domain, each a thin layer over the services."""
