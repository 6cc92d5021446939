"""The pages parents, institutions and municipalities use."""
