"""Runnable examples of gitbook-async (not installed with the package; tests import them)."""
