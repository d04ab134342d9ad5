-- The drive's schema: users and sessions, images and what ingestion derives from them,
-- categories, audit, search analytics and per-user index versions.
-- Every enum is a CHECK, every timestamp has a time zone, and deleting a user or an image
-- cascades to everything derived from it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL,
    password_hash text,                       -- NULL: cannot log in (the system owner)
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'system')),
    store_search_queries boolean NOT NULL DEFAULT false,   -- opt-in for raw query text in analytics
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,62}$'),
    CHECK (role = 'system' OR password_hash IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- The owner of system-visible images (sample data, drop/system/...).
INSERT INTO users (username, role) VALUES ('system', 'system');

CREATE TABLE refresh_sessions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,        -- sha256 of the opaque token; the token is never stored
    family_id   uuid NOT NULL,                -- every rotation of one login shares it
    parent_id   bigint REFERENCES refresh_sessions (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,                  -- set when exchanged; presenting it again is reuse
    revoked_at  timestamptz,
    client_ip   text,
    user_agent  text,
    CHECK (expires_at > created_at)
);
CREATE INDEX refresh_sessions_family_idx ON refresh_sessions (family_id);
CREATE INDEX refresh_sessions_user_idx ON refresh_sessions (user_id);

CREATE TABLE login_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username   text NOT NULL,                 -- as typed, lower-cased; may name no user
    client_ip  text NOT NULL,
    succeeded  boolean NOT NULL,
    ts         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username_idx ON login_attempts (username, ts);
CREATE INDEX login_attempts_ip_idx ON login_attempts (client_ip, ts);

CREATE TABLE images (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    uri           text NOT NULL,              -- s3://bucket/key of the original
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    checksum      text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),   -- sha256 of the bytes
    mime          text,
    w             integer CHECK (w > 0),
    h             integer CHECK (h > 0),
    size          bigint NOT NULL CHECK (size >= 0),
    upload_ts     timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    ready_at      timestamptz,                -- when it became searchable (index watermarks)
    status        text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'READY', 'FAILED')),
    visibility    text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public', 'system')),
    error         text,
    thumbnail_key text,
    source        text NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'drop', 'import')),
    UNIQUE (owner_id, checksum),
    CHECK (status <> 'READY' OR ready_at IS NOT NULL),
    CHECK (status <> 'FAILED' OR error IS NOT NULL)
);
CREATE INDEX images_owner_upload_idx ON images (owner_id, upload_ts DESC, id DESC);
CREATE INDEX images_visible_idx ON images (visibility, status) WHERE visibility IN ('public', 'system');
CREATE INDEX images_checksum_idx ON images (checksum);
CREATE INDEX images_ready_at_idx ON images (ready_at) WHERE status = 'READY';
CREATE INDEX images_filename_trgm_idx ON images USING gin (filename gin_trgm_ops);

CREATE TABLE embeddings (
    image_id      bigint PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
    model_version text NOT NULL,
    dim           integer NOT NULL CHECK (dim > 0),
    normalized    boolean NOT NULL,
    vec           bytea NOT NULL,              -- little-endian float32[dim]
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(vec) = dim * 4)
);
CREATE INDEX embeddings_model_version_idx ON embeddings (model_version);

CREATE TABLE ocr_texts (
    image_id    bigint PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
    text        text NOT NULL CHECK (length(text) > 0),
    confidence  real CHECK (confidence BETWEEN 0 AND 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- 'simple': no stemming or stop words, so codes, names and mixed languages match as written.
    words       tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED
);
CREATE INDEX ocr_texts_trgm_idx ON ocr_texts USING gin (text gin_trgm_ops);
CREATE INDEX ocr_texts_words_idx ON ocr_texts USING gin (words);

CREATE TABLE categories (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    owner_id   bigint REFERENCES users (id) ON DELETE CASCADE,   -- NULL: a system category
    prompt     text,                          -- zero-shot CLIP prompt for auto-tagging
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Names are unique per owner, and system names are unique among themselves.
CREATE UNIQUE INDEX categories_owner_name_key ON categories (coalesce(owner_id, 0), lower(name));

CREATE TABLE image_categories (
    image_id    bigint NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    source      text NOT NULL CHECK (source IN ('manual', 'auto')),
    score       real,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, category_id),
    CHECK (source = 'manual' OR score IS NOT NULL)
);
CREATE INDEX image_categories_category_idx ON image_categories (category_id);

CREATE TABLE audit_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    action     text NOT NULL,
    target_id  text,
    details    jsonb NOT NULL DEFAULT '{}'::jsonb,
    ts         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_user_ts_idx ON audit_logs (user_id, ts DESC);
CREATE INDEX audit_logs_action_ts_idx ON audit_logs (action, ts DESC);

CREATE TABLE search_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('text', 'image', 'ocr', 'similar', 'hybrid', 'duplicates')),
    latency_ms    real NOT NULL CHECK (latency_ms >= 0),
    result_count  integer NOT NULL CHECK (result_count >= 0),
    query_text    text,                       -- only when the user opted in
    ts            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_events_ts_idx ON search_events (ts);
CREATE INDEX search_events_user_ts_idx ON search_events (user_id, ts);

-- Per-user FAISS index versions. A build inserts 'building', uploads to S3, then flips the
-- pointer in user_index_state; a failed build never touches the pointer.
CREATE TABLE index_versions (
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version       bigint NOT NULL CHECK (version > 0),
    s3_prefix     text NOT NULL,
    status        text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'ready', 'failed', 'deleted')),
    count         integer CHECK (count >= 0),
    dim           integer CHECK (dim > 0),
    model_version text,
    watermark     timestamptz,                -- newest change included in the build
    built_at      timestamptz,
    build_ms      real,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, version),
    CHECK (status <> 'ready' OR (count IS NOT NULL AND built_at IS NOT NULL))
);

CREATE TABLE user_index_state (
    user_id          bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    current_version  bigint,
    stale_since      timestamptz,             -- NULL: the current version reflects everything
    FOREIGN KEY (user_id, current_version) REFERENCES index_versions (user_id, version)
);
