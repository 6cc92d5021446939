"""Use cases of the ingest service: units of work over the domain."""
