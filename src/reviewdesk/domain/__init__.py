"""Plain data of reviewdesk: cases, spans, labels, errors. Imports nothing but stdlib and pydantic."""
