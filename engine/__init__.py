"""ctfmon engine: storage, ingestion, scans, screening, cases, reports and scheduling."""

__version__ = "0.1.0"
