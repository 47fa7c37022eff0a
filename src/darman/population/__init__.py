"""Population health: chronic-disease registers, measurements and the care cascade."""
