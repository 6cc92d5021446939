from auth.adapters.orm import metadata
from dagkit.migrations import run_migrations

run_migrations(metadata)
