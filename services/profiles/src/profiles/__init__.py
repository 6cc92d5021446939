"""What institutions and municipalities report about themselves, with full history."""
