"""Ingestion: an object in S3 becomes a READY image with thumbnail, vector, OCR text and tags."""
