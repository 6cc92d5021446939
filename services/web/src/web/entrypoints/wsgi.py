"""WSGI entrypoint: ``gunicorn web.entrypoints.wsgi:app``."""

from web.app import create_app

app = create_app()
