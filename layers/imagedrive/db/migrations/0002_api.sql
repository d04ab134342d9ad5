-- Analytics exports. A job writes its file to S3 as a multipart upload, one part per step, and
-- keeps its place here, so neither a function's memory nor API Gateway's payload limit bounds an
-- export, and the caller can watch the progress.

CREATE TABLE export_jobs (
    id             uuid PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope          text NOT NULL CHECK (scope IN ('own', 'all')),   -- 'all': an admin's whole drive
    format         text NOT NULL CHECK (format IN ('csv', 'json')),
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    s3_key         text NOT NULL,
    upload_id      text NOT NULL,                 -- the S3 multipart upload
    parts          jsonb NOT NULL DEFAULT '[]'::jsonb,   -- [{"PartNumber", "ETag"}] uploaded so far
    max_image_id   bigint NOT NULL,               -- the snapshot: images that existed when it started
    last_image_id  bigint NOT NULL DEFAULT 0,     -- keyset position of the next step
    total_rows     integer NOT NULL CHECK (total_rows >= 0),
    rows_written   integer NOT NULL DEFAULT 0 CHECK (rows_written >= 0),
    bytes_written  bigint NOT NULL DEFAULT 0 CHECK (bytes_written >= 0),
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    CHECK (status <> 'done' OR finished_at IS NOT NULL)
);
CREATE INDEX export_jobs_user_idx ON export_jobs (user_id, created_at DESC);
