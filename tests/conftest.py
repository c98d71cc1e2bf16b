"""Fixtures shared by the end-to-end and review suites: one assistant stack per test session."""
from tests.stack import stack  # noqa: F401  (pytest finds fixtures imported into a conftest)
