"""Use cases shared by the GUI and the CLI. Each writing operation returns ``Changes``."""
