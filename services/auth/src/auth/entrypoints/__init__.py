"""Processes of the auth service: wsgi, relay, migrate."""
