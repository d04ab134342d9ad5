-- Search: per-user index version numbers, and what the query path's freshness check reads.

-- A per-user counter, so index versions only ever grow, even after old version rows are deleted,
-- and two concurrent builds for one user never get the same number.
CREATE TABLE index_version_counters (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_version bigint NOT NULL CHECK (last_version > 0)
);

-- Freshness: images changed (became READY, changed visibility or name) or re-embedded after an
-- index's watermark are brute-forced per search; these keep that lookup off a table scan.
CREATE INDEX images_ready_updated_idx ON images (updated_at) WHERE status = 'READY';
CREATE INDEX embeddings_created_at_idx ON embeddings (created_at);
