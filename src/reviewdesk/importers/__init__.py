"""Readers of trace files. Each one parses a file into raw spans and never writes to the workspace."""
