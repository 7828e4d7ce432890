"""Persistence: SQLAlchemy 2.0 async models, Alembic migrations and the `SqlStore` repository."""
