"""Screens and dialogs: they call services and route ``Changes`` to models."""
