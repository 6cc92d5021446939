"""Use cases of the profiles service: units of work over the domain."""
