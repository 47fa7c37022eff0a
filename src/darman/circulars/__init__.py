"""Administrative circulars: repository, effects (amends, repeals), Persian search, and
consolidation of overlapping circulars."""
