"""Database backends of Linli (ENGINE settings)."""
