"""Conversation review: the index over the tracker store, filters, training data, analytics."""
