"""WSGI entrypoint: ``gunicorn auth.entrypoints.wsgi:app``."""

from auth.app import create_app

app = create_app()
