"""Use cases of the web service: each page's data, asked of the other services."""
