"""Quality-assurance review workflow for micro-credentials."""

__version__ = "0.1.0"
