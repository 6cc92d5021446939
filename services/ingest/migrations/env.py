from dagkit.migrations import run_migrations
from ingest.adapters.orm import metadata

run_migrations(metadata)
