"""Thin Qt models over plain row objects from ``reviewdesk.services``."""
