"""Use cases of the auth service: units of work over the domain."""
