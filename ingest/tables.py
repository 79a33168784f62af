"""Tables become rows that read as self-contained statements with their column meaning.

A table row such as `1 | Tỷ lệ huy động trẻ nhà trẻ | % | 32,7 | % | 32,8` under a two-level
header is useless on its own; the statement "Tỷ lệ huy động trẻ nhà trẻ — Năm học
2023-2024, chỉ tiêu đạt được: 32,7%; ..." can be retrieved, quoted and cited.
"""

from __future__ import annotations

import re

from hoidap.models import TableBlock

_INDEX_HEADERS = {"tt", "stt", "số tt", "số thứ tự"}
_UNIT_HEADERS = {"đơn vị", "đơn vị tính", "đvt"}
_YEAR = re.compile(r"\d{4}")


def column_labels(table: TableBlock) -> list[str]:
    """One label per column, joining the distinct header texts stacked above it."""
    width = max((len(r) for r in table.rows), default=0)
    labels = []
    for col in range(width):
        parts: list[str] = []
        for row in table.rows[: table.header_rows]:
            cell = row[col].strip() if col < len(row) else ""
            if cell and cell not in parts:
                parts.append(cell)
        labels.append(" — ".join(parts))
    return labels


def _is_index_column(col: int, label: str, values: list[str]) -> bool:
    """The "TT" column: so named, or a first column counting 1, 2, 3..."""
    if _leaf(label).lower() in _INDEX_HEADERS:
        return True
    return col == 0 and bool(values) and [v.strip() for v in values] == [str(i + 1) for i in range(len(values))]


def _leaf(label: str) -> str:
    return label.split(" — ")[-1].strip()


def _group(label: str) -> str:
    parts = label.split(" — ")
    return parts[0].strip() if len(parts) > 1 else ""


def _with_unit(value: str, unit: str) -> str:
    unit = unit.strip()
    if not unit or not value:
        return value
    if unit == "%":
        return f"{value}%"
    return f"{value} {unit[0].lower()}{unit[1:]}"


def row_statements(table: TableBlock) -> list[str]:
    """Each data row as one sentence: "<name> — <column>: <value>; <column>: <value>."."""
    labels = column_labels(table)
    body = [r for r in table.rows[table.header_rows :] if any(c.strip() for c in r)]
    if not labels or not body:
        return []
    columns = list(range(len(labels)))
    index_cols = {c for c in columns if _is_index_column(c, labels[c], [r[c] for r in body if c < len(r)])}
    text_cols = [c for c in columns if c not in index_cols]
    if not text_cols:
        return []
    name_col, value_cols = text_cols[0], text_cols[1:]
    return [_statement(row, labels, name_col, value_cols) for row in body]


def _statement(row: list[str], labels: list[str], name_col: int, value_cols: list[int]) -> str:
    cell = lambda c: row[c].strip() if c < len(row) else ""  # noqa: E731
    parts: list[str] = []
    pending_unit = ""
    for c in value_cols:
        if _leaf(labels[c]).lower() in _UNIT_HEADERS:
            pending_unit = cell(c)
            continue
        value = _with_unit(cell(c), pending_unit)
        pending_unit = ""
        if not value:
            continue
        group, leaf = _group(labels[c]), _leaf(labels[c])
        label = f"{group}, {leaf[0].lower()}{leaf[1:]}" if group and leaf else (leaf or group)
        parts.append(f"{label}: {value}" if label else value)
    name = cell(name_col)
    return f"{name} — {'; '.join(parts)}." if parts else f"{name}."


def header_grid(cells: list[str], data_width: int) -> list[list[str]]:
    """Rebuild a (possibly two-level) header from cells flattened one per line.

    `cells` are the header texts in reading order; `data_width` is the number of
    columns of a data row. Two-level headers ("Năm học 2023-2024" spanning "Đơn vị" and
    "Chỉ tiêu đạt được") are recognised by the group cells naming a year.
    """
    extra = len(cells) - data_width
    if extra <= 0:
        return [cells + [""] * (data_width - len(cells))]
    groups = [i for i, c in enumerate(cells) if _YEAR.search(c)][:extra]
    top_len = (groups[-1] + 1) if len(groups) == extra else None
    if top_len is None or (len(cells) - top_len) % extra:
        return [cells[-data_width:]]
    top, bottom = cells[:top_len], cells[top_len:]
    span = len(bottom) // extra
    singles = top[: top_len - extra]
    row1 = singles + [g for g in top[top_len - extra :] for _ in range(span)]
    row2 = singles + bottom
    if len(row1) != data_width:
        return [cells[-data_width:]]
    return [row1, row2]
