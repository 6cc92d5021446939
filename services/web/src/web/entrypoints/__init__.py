"""Processes of the web service: wsgi."""
