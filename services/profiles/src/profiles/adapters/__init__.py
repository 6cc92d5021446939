"""The profiles service's adapters: database tables and repositories, clients."""
