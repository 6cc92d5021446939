"""The web service's adapters: database tables and repositories, clients."""
