"""Use cases of the search service: units of work over the domain."""
