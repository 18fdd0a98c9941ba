"""Regression checks of fixture files (``nbsclean check``): :mod:`.fixtures`."""
