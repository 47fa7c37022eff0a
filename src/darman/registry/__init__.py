"""Reference data of every domain: provinces, facilities, insured, practitioners, tariffs."""
