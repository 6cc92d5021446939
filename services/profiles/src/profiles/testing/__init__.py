"""Test support the profiles service's tests (and the bench) import."""
