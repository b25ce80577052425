"""schemasync: keep a Close organization's custom object types and fields in git."""

__version__ = "0.2.0"
