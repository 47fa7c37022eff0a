"""Reference data every domain uses: provinces, facilities, insured, practitioners, catalogues, tariffs."""
