"""Spreadsheets of any size, built in milliseconds, for the file-limit tests and ``bench.file_limits``.

openpyxl's writer needs minutes for millions of cells; a worksheet is just XML in a zip, so the
workbook is written by hand: the smallest parts Excel, openpyxl and pandas accept, one sheet of
numbers. Repetitive XML compresses about 1000:1, which is exactly what makes such a file a bomb:
``xlsx_table(1000, 1000)`` (a million cells) is about 100 KB.
"""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def column_letters(number: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_xml(rows: int, columns: int, dimension: str | None, header: list[str] | None, refs: bool) -> bytes:
    letters = [column_letters(c) for c in range(1, columns + 1)]
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="{dimension or f"A1:{letters[-1]}{rows}"}"/><sheetData>']
    first = 1
    if header:
        parts.append('<row r="1">' + "".join(f'<c r="{letters[i]}1" t="inlineStr"><is><t>{text}</t></is></c>'
                                             for i, text in enumerate(header)) + "</row>")
        first = 2
    if refs:
        for row in range(first, rows + 1):
            parts.append(f'<row r="{row}">' + "".join(f'<c r="{letter}{row}"><v>{row}</v></c>' for letter in letters)
                         + "</row>")
    else:  # no references, one value: the same bytes over and over, compressing ~1000:1
        parts.append(("<row>" + "<c><v>1</v></c>" * columns + "</row>") * (rows - first + 1))
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def xlsx_table(rows: int, columns: int, *, dimension: str | None = None, header: list[str] | None = None,
               refs: bool = True) -> bytes:
    """A workbook of ``rows`` × ``columns`` number cells (the first row ``header`` if given);
    ``dimension`` overrides the sheet's declared range (a lying one, say "A1"); ``refs=False``
    writes cells without their A1 references and all equal to 1, as small as a bomb gets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _sheet_xml(rows, columns, dimension, header, refs))
    return buffer.getvalue()


def csv_table(rows: int, columns: int, *, header: list[str] | None = None) -> bytes:
    """A UTF-8 CSV of ``rows`` × ``columns`` (the first row ``header`` if given)."""
    lines = [",".join(header)] if header else []
    lines += [",".join(str(row) for _ in range(columns)) for row in range(len(lines) + 1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()
