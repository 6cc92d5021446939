"""The ingest service's adapters: database tables and repositories, clients."""
