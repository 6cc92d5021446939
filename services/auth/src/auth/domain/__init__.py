"""The auth service's domain model: plain objects and rules, no I/O."""
