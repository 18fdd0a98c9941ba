"""nbsclean: clean, structured, provenance-tracked text from scanned Swedish newsletters."""

__version__ = "0.1.0"
