"""The workspace file: SQLAlchemy 2 tables over SQLite, created and upgraded by Alembic."""
