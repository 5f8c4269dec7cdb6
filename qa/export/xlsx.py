"""The only module that writes workbooks with openpyxl."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qa.domain.descriptor_fields import FIELDS, FieldSpec, Kind

HEADING_FONT = Font(bold=True, color="FFFFFF")
MANDATORY_FILL = PatternFill("solid", fgColor="1F4E79")
OPTIONAL_FILL = PatternFill("solid", fgColor="5B7C99")
TEMPLATE_ROWS = 2000  # drop-downs cover this many rows


def write_catalogue_template(path: Path, fields: tuple[FieldSpec, ...] = FIELDS) -> None:
    """An import template: headings, drop-downs for coded columns, a notes sheet, code lists.

    A small fixed-size workbook, so normal (not write-only) mode is used: data validation
    and frozen panes need it.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Catalogue"
    codes = workbook.create_sheet("Codes")
    notes = workbook.create_sheet("Notes")
    code_column = 0
    for index, spec in enumerate(fields, start=1):
        cell = sheet.cell(row=1, column=index, value=spec.key)
        cell.font = HEADING_FONT
        cell.fill = (
            MANDATORY_FILL
            if spec.mandatory or spec.key in ("external_id", "provider")
            else OPTIONAL_FILL
        )
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(spec.key) + 4)
        if spec.choices:
            code_column += 1
            letter = get_column_letter(code_column)
            codes.cell(row=1, column=code_column, value=spec.key).font = Font(bold=True)
            for row, choice in enumerate(spec.choices, start=2):
                codes.cell(row=row, column=code_column, value=choice)
            source = f"=Codes!${letter}$2:${letter}${len(spec.choices) + 1}"
            repeatable = spec.kind is Kind.CHOICE_LIST
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=not repeatable,  # several values "a; b" must stay typeable
                errorTitle=spec.key,
                error=f"Choose one of the listed values for {spec.key}.",
                promptTitle=spec.key[:32],
                prompt=spec.help[:255],
                showInputMessage=True,
            )
            column = get_column_letter(index)
            validation.add(f"{column}2:{column}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    _write_notes(notes, fields)
    workbook.save(path)


def _write_notes(notes: Worksheet, fields: tuple[FieldSpec, ...]) -> None:
    headings = (
        "column",
        "element",
        "kind of element",
        "required",
        "several values",
        "how to fill it",
        "example",
        "allowed values",
    )
    notes.append(headings)
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for spec in fields:
        required = "yes" if spec.mandatory or spec.key in ("external_id", "provider") else ""
        notes.append(
            (
                spec.key,
                spec.label,
                spec.group.value,
                required,
                "separate with ;" if spec.repeatable else "",
                spec.help,
                spec.example,
                ", ".join(spec.choices),
            )
        )
    for letter, width in zip("ABCDEFGH", (26, 36, 26, 9, 16, 70, 45, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.freeze_panes = "A2"
