"""Reusable widgets that know nothing about workspaces or services."""
