"""FHIR R4 facade over the registry (and, later, the other domains)."""
