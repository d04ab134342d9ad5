-- Every search reads the rows changed since its two indexes were built: public and system rows after the
-- shared index's watermark, the user's other rows after their private index's. One partial index for each
-- side keeps that read proportional to what changed in that index, not to every upload since the shared
-- index was last rebuilt (images.updated_at moves on READY, visibility, rename and re-embedding).
CREATE INDEX images_shared_ready_updated_idx ON images (updated_at)
    WHERE status = 'READY' AND visibility IN ('public', 'system');
CREATE INDEX images_owner_ready_updated_idx ON images (owner_id, updated_at) WHERE status = 'READY';
