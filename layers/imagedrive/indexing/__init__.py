"""Per-user FAISS indexes: staleness tracking, building and loading."""
