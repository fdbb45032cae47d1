"""trialfhir: publish clinical-trial registry records as FHIR."""

__version__ = "0.1.0"
