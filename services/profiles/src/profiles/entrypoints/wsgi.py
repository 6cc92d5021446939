"""WSGI entrypoint: ``gunicorn profiles.entrypoints.wsgi:app``."""

from profiles.app import create_app

app = create_app()
