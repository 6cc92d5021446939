"""Processes of the profiles service: wsgi, relay, consumer, migrate."""
