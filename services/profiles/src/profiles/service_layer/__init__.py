"""The profiles service's use cases."""
