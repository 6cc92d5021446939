from dagkit.migrations import run_migrations
from search.adapters.orm import metadata

run_migrations(metadata)
