"""Strategic purchasing of medical consumables and equipment."""
