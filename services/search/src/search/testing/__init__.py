"""Test support the search service's tests and the benches import: builders
of the events search consumes (from the shipped public data), and in-memory
fakes of its read model, unit of work and GEO index."""
