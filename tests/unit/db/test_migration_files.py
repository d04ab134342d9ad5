import pytest

from imagedrive.db.migrate import MIGRATIONS_DIR, MigrationError, discover


def test_shipped_migrations_are_numbered_from_one_without_gaps():
    # Read from the folder itself: discover() sorts, so its order alone proves nothing.
    numbers = sorted(int(path.name[:4]) for path in MIGRATIONS_DIR.glob("*.sql"))
    assert numbers == list(range(1, len(numbers) + 1)), f"a migration number is missing or repeated: {numbers}"
    migrations = discover()
    assert [m.version for m in migrations] == numbers, "every file is discovered"
    assert all(m.sql.strip() for m in migrations)


def test_migrations_are_applied_in_number_order_whatever_order_the_folder_lists(tmp_path):
    for number in (10, 2, 1):  # created out of order, and 10 sorts before 2 as text without zero padding
        (tmp_path / f"{number:04d}_step.sql").write_text(f"SELECT {number};")
    assert [(m.version, m.sql) for m in discover(tmp_path)] == [(1, "SELECT 1;"), (2, "SELECT 2;"), (10, "SELECT 10;")]


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
