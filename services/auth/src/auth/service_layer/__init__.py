"""The auth service's use cases."""
