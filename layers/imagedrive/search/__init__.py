"""Search: text, image, similar, duplicates (CLIP + the per-user FAISS indexes), OCR (Postgres) and hybrid.

The API calls `search.client`; the query function runs `search.dispatch`, which drives `search.engine`.
"""
