"""I/O of the web service: search's HTTP API, the Redis page cache, the map files."""
