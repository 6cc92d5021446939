"""Processes of the profiles service: wsgi, relay, migrate."""
