"""Test support for the auth service: in-memory repositories and unit of work."""
