"""System tests: the services as processes on the local PostgreSQL, Kafka and
Redis, an edit followed from profiles' API to search's (harness.py)."""
