"""What Lorafy keeps on disk: the library of taught items (SQLite), passages, conversations and settings."""
