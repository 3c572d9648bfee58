"""String hygiene shared by the writers: XML escaping, CSV formula guarding, nested columns as JSON.

Every string in a result comes from the data under investigation, so each writer passes it through
here: XML 1.0 forbids most C0 control characters (and U+FFFE/U+FFFF) even as character references,
so they become U+FFFD; ``& < > " '`` become entities and tab/newline/carriage return become
character references (attribute-value normalisation would otherwise turn them into spaces).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["XML_FORBIDDEN", "concat", "csv_guard", "flat", "optional", "write_rows", "xml_clean", "xml_escape", "xml_escape_array", "xml_number"]

#: Characters XML 1.0 does not allow anywhere (RE2 / Python syntax alike).
XML_FORBIDDEN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_FORBIDDEN_PY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;"),
            ("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;"))


def xml_clean(s: str) -> str:
    """``s`` with the characters XML 1.0 forbids (and lone surrogates) replaced by U+FFFD."""
    return _FORBIDDEN_PY.sub("\ufffd", s)


def xml_escape(s: Any) -> str:
    """``s`` as text safe inside an XML attribute value or element."""
    s = xml_clean(str(s))
    for a, b in _ESCAPES:
        s = s.replace(a, b)
    return s


def xml_escape_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """:func:`xml_escape` over a string column (nulls stay null), inside Arrow."""
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.replace_substring_regex(arr, pattern=XML_FORBIDDEN, replacement="\ufffd")
    for a, b in _ESCAPES:
        arr = pc.replace_substring(arr, pattern=a, replacement=b)
    return arr


def xml_number(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A numeric or boolean column as XML Schema lexical values; NaN and ±inf become null (omitted)."""
    if pa.types.is_floating(arr.type):
        arr = pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, arr.type))
    return pc.cast(arr, pa.string())


#: A cell starting with one of these is a formula to spreadsheet programs (CSV injection).
_FORMULA = r"^[=+\-@\t\r]"


def csv_guard(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix string cells that a spreadsheet would run as a formula with ``'`` (OWASP's advice)."""
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return arr
    hit = pc.match_substring_regex(arr, _FORMULA)
    return pc.if_else(hit, pc.binary_join_element_wise("'", arr, ""), arr)


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t) or pa.types.is_map(t) \
        or pa.types.is_fixed_size_list(t)


def flat(table: pa.Table, *, bool_as_int: bool = False) -> pa.Table:
    """``table`` with only flat columns: lists/structs as JSON text, timestamps as ISO 8601 UTC text.

    The conversion runs in DuckDB (``to_json``), so a million evidence lists take seconds.
    """
    exprs = []
    for f in table.schema:
        q = '"' + f.name.replace('"', '""') + '"'
        if _nested(f.type):
            exprs.append(f"CAST(to_json({q}) AS VARCHAR) AS {q}")
        elif pa.types.is_timestamp(f.type):
            exprs.append(f"strftime(CAST({q} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ') AS {q}")
        elif pa.types.is_date(f.type) or pa.types.is_time(f.type) or pa.types.is_duration(f.type) \
                or pa.types.is_dictionary(f.type) or pa.types.is_binary(f.type):
            exprs.append(f"CAST({q} AS VARCHAR) AS {q}")
        elif bool_as_int and pa.types.is_boolean(f.type):
            exprs.append(f"CAST({q} AS BIGINT) AS {q}")
        else:
            exprs.append(q)
    if not exprs:
        return table
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("t", table)
        return con.sql(f"SELECT {', '.join(exprs)} FROM t").to_arrow_table()
    finally:
        con.close()


def concat(*parts: Any) -> pa.Array | pa.ChunkedArray:
    """Element-wise concatenation of string columns and literals (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def optional(*parts: Any) -> pa.Array | pa.ChunkedArray:
    """:func:`concat`, with rows where a part is null becoming empty (an omitted XML attribute)."""
    return concat(*parts).fill_null("")


def write_rows(fh: Any, rows: pa.Array | pa.ChunkedArray) -> None:
    """Write a string column whose values each end with a newline, straight from Arrow's buffer."""
    chunks = rows.chunks if isinstance(rows, pa.ChunkedArray) else [rows]
    for c in chunks:
        if len(c) == 0:
            continue
        c = c.fill_null("") if c.null_count else c
        if pa.types.is_string(c.type):
            dtype = np.int32
        else:
            c, dtype = c.cast(pa.large_string()), np.int64
        _, offs, data = c.buffers()
        o = np.frombuffer(offs, dtype=dtype)[c.offset: c.offset + len(c) + 1]
        fh.write(memoryview(data)[int(o[0]): int(o[-1])])
