"""Test support for the web service: an in-memory search with recorded answers."""
