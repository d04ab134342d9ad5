import csv
import io
import json

import pytest

from imagedrive.analytics.cells import COLUMNS, csv_text, json_text, neutralise


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_cells_get_a_leading_apostrophe(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["photo.jpg", "a=b", "", 12, None, -3])
def test_other_cells_stay_as_they_are(cell):
    assert neutralise(cell) == cell


def _row(**values):
    return {column: values.get(column) for column in COLUMNS}


def test_csv_rows_neutralise_formulas_and_keep_unicode_and_commas():
    text = csv_text([_row(id=1, filename="=cmd|' /C calc'!A0", ocr_text="总计, 合计\n二行"),
                     _row(id=2, filename="写真 ☃.png")], header=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["filename"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["ocr_text"] == "总计, 合计\n二行"
    assert rows[1]["filename"] == "写真 ☃.png"


def test_json_members_join_across_pages_into_one_array():
    first = json_text([_row(id=1, filename="写真.png")], first=True)
    later = json_text([_row(id=2, filename="=x")], first=False)
    parsed = json.loads("[" + first + later + "]")
    assert [r["id"] for r in parsed] == [1, 2] and parsed[1]["filename"] == "=x"
    assert json_text([], first=False) == ""
