"""Fixtures shared by the end-to-end and review suites: one assistant stack per test session on SQLite,
and one on PostgreSQL when a test asks for it."""
from tests.stack import postgres_stack, stack  # noqa: F401  (pytest finds fixtures imported into a conftest)
