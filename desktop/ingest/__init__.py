"""Ingestion: parse files into text with sections (parsers), in a sandboxed subprocess (sandbox), queued in the library's database (queue)."""
