"""Use cases of the web service: units of work over the domain."""
