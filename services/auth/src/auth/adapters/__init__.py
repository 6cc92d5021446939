"""The auth service's adapters: database tables and repositories, clients."""
