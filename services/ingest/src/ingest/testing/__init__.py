"""Test support for the ingest service's tests and the benches: settings and
sample files, queries for what a test checks, in-memory fakes of the
repositories."""
