"""Index: dense embeddings plus a Vietnamese keyword (sparse) index, stored in Qdrant."""
