-- /health counts PENDING rows older than a few minutes on every poll; few rows are PENDING at a time,
-- so a partial index keeps that count cheap however large the drive grows.
CREATE INDEX images_pending_updated_idx ON images (updated_at) WHERE status = 'PENDING';
