"""Processes of the ingest service: wsgi, relay, migrate."""
