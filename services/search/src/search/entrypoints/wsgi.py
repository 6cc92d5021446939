"""WSGI entrypoint: ``gunicorn search.entrypoints.wsgi:app``."""

from search.app import create_app

app = create_app()
