"""Lorafy's user-facing layer: the command line, the service it drives, and the PySide6 app."""
