"""Cartwise recommender: catalog, embeddings + FAISS, co-purchase model, blend, coupons, mentions."""
