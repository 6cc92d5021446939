"""The search service's adapters: database tables and repositories, clients."""
