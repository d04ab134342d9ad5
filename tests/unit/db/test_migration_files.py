import pytest

from imagedrive.db.migrate import MigrationError, discover


def test_shipped_migrations_are_numbered_in_order():
    migrations = discover()
    versions = [m.version for m in migrations]
    assert versions == sorted(versions)
    assert versions[0] == 1
    assert all(m.sql.strip() for m in migrations)


def test_a_badly_named_file_is_refused(tmp_path):
    (tmp_path / "0001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "two.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match=r"0001_name\.sql"):
        discover(tmp_path)


def test_two_files_with_one_number_are_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="share a number"):
        discover(tmp_path)
