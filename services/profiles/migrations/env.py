from dagkit.migrations import run_migrations
from profiles.adapters.orm import metadata

run_migrations(metadata)
