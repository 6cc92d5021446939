"""WSGI entrypoint: ``gunicorn ingest.entrypoints.wsgi:app``."""

from ingest.app import create_app

app = create_app()
