"""Processes of the search service: wsgi, migrate."""
