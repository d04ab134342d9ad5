import psycopg2
import pytest

from imagedrive.db.migrate import apply_migrations
from localcloud import postgres

CHECKSUM = "a" * 64


@pytest.fixture
def empty_database(database, settings):
    """A database of its own, created empty for this test."""
    cluster = postgres.cluster_from_settings(settings)
    url = postgres.ensure_database(cluster, "imagedrive_migrations_test", recreate=True)
    conn = psycopg2.connect(url)
    yield conn
    conn.close()


def _tables(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        return [row[0] for row in cur.fetchall()]


def test_migrations_apply_to_an_empty_database_and_a_second_run_changes_nothing(empty_database):
    applied = apply_migrations(empty_database)
    assert applied and applied[0] == "0001_initial"
    tables = _tables(empty_database)
    for table in ("users", "refresh_sessions", "images", "embeddings", "ocr_texts", "categories",
                  "image_categories", "audit_logs", "index_versions", "user_index_state", "schema_migrations"):
        assert table in tables
    with empty_database.cursor() as cur:
        cur.execute("SELECT version, checksum FROM schema_migrations ORDER BY version")
        recorded = cur.fetchall()
    assert apply_migrations(empty_database) == []
    with empty_database.cursor() as cur:
        cur.execute("SELECT version, checksum FROM schema_migrations ORDER BY version")
        assert cur.fetchall() == recorded
    assert _tables(empty_database) == tables


def test_an_edited_migration_is_refused(empty_database, tmp_path):
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (id int);")
    apply_migrations(empty_database, tmp_path)
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (id bigint);")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        apply_migrations(empty_database, tmp_path)


def test_a_failing_migration_leaves_nothing_behind(empty_database, tmp_path):
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg2.Error):
        apply_migrations(empty_database, tmp_path)
    empty_database.rollback()
    assert "good" in _tables(empty_database)
    assert "half" not in _tables(empty_database)
    with empty_database.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations")
        assert [r[0] for r in cur.fetchall()] == [1]


def _insert_image(cur, owner_id, checksum=CHECKSUM, **overrides):
    row = {"status": "PENDING", "visibility": "private", **overrides}
    cur.execute(
        "INSERT INTO images (owner_id, uri, filename, checksum, size, status, visibility)"
        " VALUES (%s, 's3://b/k', 'a.jpg', %s, 10, %s, %s) RETURNING id",
        (owner_id, checksum, row["status"], row["visibility"]),
    )
    return cur.fetchone()[0]


@pytest.fixture
def schema(empty_database):
    apply_migrations(empty_database)
    with empty_database.cursor() as cur:
        cur.execute("INSERT INTO users (username, password_hash) VALUES ('alice', 'x'), ('bob', 'x') RETURNING id")
        alice, bob = (row[0] for row in cur.fetchall())
    empty_database.commit()
    return empty_database, alice, bob


def test_the_same_bytes_twice_for_one_owner_are_refused_but_allowed_for_another(schema):
    conn, alice, bob = schema
    with conn.cursor() as cur:
        _insert_image(cur, alice)
        _insert_image(cur, bob)
    conn.commit()
    with pytest.raises(psycopg2.errors.UniqueViolation), conn.cursor() as cur:
        _insert_image(cur, alice)
    conn.rollback()


@pytest.mark.parametrize(
    "overrides",
    [{"status": "DONE"}, {"visibility": "friends"}, {"checksum": "not-a-sha256"}],
    ids=["unknown status", "unknown visibility", "malformed checksum"],
)
def test_check_constraints_reject_unknown_values(schema, overrides):
    conn, alice, _ = schema
    with pytest.raises(psycopg2.errors.CheckViolation), conn.cursor() as cur:
        _insert_image(cur, alice, **overrides)
    conn.rollback()


def test_deleting_an_image_or_a_user_leaves_nothing_orphaned(schema):
    conn, alice, _ = schema
    with conn.cursor() as cur:
        image = _insert_image(cur, alice)
        cur.execute("INSERT INTO embeddings (image_id, model_version, dim, normalized, vec)"
                    " VALUES (%s, 'm', 2, true, %s)", (image, b"\0" * 8))
        cur.execute("INSERT INTO ocr_texts (image_id, text) VALUES (%s, 'RE16 ABC')", (image,))
        cur.execute("INSERT INTO categories (name) VALUES ('receipts') RETURNING id")
        category = cur.fetchone()[0]
        cur.execute("INSERT INTO image_categories (image_id, category_id, source) VALUES (%s, %s, 'manual')",
                    (image, category))
        cur.execute("DELETE FROM users WHERE id = %s", (alice,))
        for table in ("images", "embeddings", "ocr_texts", "image_categories"):
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone()[0] == 0, table
    conn.rollback()


def test_a_vector_must_have_dim_float32_values(schema):
    conn, alice, _ = schema
    with pytest.raises(psycopg2.errors.CheckViolation), conn.cursor() as cur:
        image = _insert_image(cur, alice)
        cur.execute("INSERT INTO embeddings (image_id, model_version, dim, normalized, vec)"
                    " VALUES (%s, 'm', 512, true, %s)", (image, b"\0" * 100))
    conn.rollback()


def test_ocr_text_is_found_by_trigram_substring_and_by_word(schema):
    conn, alice, _ = schema
    with conn.cursor() as cur:
        image = _insert_image(cur, alice)
        cur.execute("INSERT INTO ocr_texts (image_id, text) VALUES (%s, '车牌 RE16XYZ 收据 Total 12.50')", (image,))
        cur.execute("SELECT count(*) FROM ocr_texts WHERE text ILIKE %s", ("%re16%",))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM ocr_texts WHERE words @@ plainto_tsquery('simple', 'total')")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT similarity(text, '收据') > 0 FROM ocr_texts")
        assert cur.fetchone()[0] is True
    conn.rollback()
