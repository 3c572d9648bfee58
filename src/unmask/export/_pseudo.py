"""Pseudonymisation for sharing a result: salted keyed hashes of account ids and handles.

``HMAC-SHA256(salt, kind + NUL + value)``, hex, truncated to 16 characters (64 bits) and prefixed:

- account ids -> ``u_<hex>``; handles (case-folded, so ``@Alice`` and ``alice`` agree) -> ``h_<hex>``;
- ``display_name`` -> ``n_<hex>``; post ids (``post_id``, ``*_post_id`` fields) -> ``p_<hex>``;
  file paths (``path``, ``dataset`` fields: the provenance in summary.json) -> ``f_<hex>``.

The same salt gives the same pseudonyms in every table, graph and dossier and across runs; without
the salt they cannot be recomputed from a list of candidate ids (that is what the key is for).

Every other string goes through :meth:`Pseudonymizer.text`: a string equal to a known id or handle
is replaced whole; inside longer text (post texts, reasons, descriptions, URLs, evidence objects)
``@handle`` mentions and bare tokens of 5+ characters equal to a known id or handle are replaced,
and ids/handles with characters outside ``[\\w.-]`` (hostile handles) are replaced wherever they
occur. Kept as they are: texts otherwise, hashtags, URLs of other sites, and the shared objects
(reposted post ids) -- they are the evidence, and they can be searched for on the platform.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Pseudonymizer"]

_TOKEN = re.compile(r"(@?)(\w[\w.\-]*\w|\w)")
_PLAIN = re.compile(r"[\w.\-]+")
#: Bare (not @-prefixed) tokens shorter than this are left alone ("the", "news" as words).
MIN_BARE = 5
#: Fields holding file or directory paths (provenance in summary.json): hashed whole.
PATH_FIELDS = frozenset({"path", "dataset"})
#: Fields of fixed vocabularies, never identifiers (an account named "twitter" keeps the platform column intact).
KEEP_FIELDS = frozenset({"platform", "verdict", "signal", "signals", "kind", "weekend", "lang", "analysis", "bin_s"})


def _is_post_field(name: str | None) -> bool:
    return bool(name) and (name == "post_id" or name.endswith("_post_id"))


class Pseudonymizer:
    """Maps the ids and handles of one result to keyed pseudonyms."""

    def __init__(self, salt: str | bytes, ids: Iterable[str], handles: Iterable[str]) -> None:
        self.key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
        self.ids = {i: self.hash("id", i, "u_") for i in ids if i}
        self.handles = {h.lower(): self.hash("handle", h.lower(), "h_") for h in handles if h}
        specials = sorted({k for k in (*self.ids, *self.handles) if not _PLAIN.fullmatch(k)}, key=len, reverse=True)
        self._special = re.compile("|".join(map(re.escape, specials)), re.IGNORECASE) if specials else None

    def hash(self, kind: str, value: str, prefix: str) -> str:
        """``prefix`` + 16 hex characters of HMAC-SHA256(salt, kind NUL value)."""
        msg = f"{kind}\0{value}".encode("utf-8", "surrogatepass")
        return prefix + hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:16]

    # -- scalars --------------------------------------------------------------------------------

    def _lookup(self, tok: str) -> str | None:
        return self.ids.get(tok) or self.handles.get(tok.lower())

    def _token(self, m: re.Match[str]) -> str:
        at, tok = m.group(1), m.group(2)
        r = self._lookup(tok)
        if r is not None and (at or len(tok) >= MIN_BARE):
            return at + r
        return m.group(0)

    def _special_sub(self, m: re.Match[str]) -> str:
        return self._lookup(m.group(0)) or m.group(0)

    def text(self, s: str) -> str:
        """``s`` with every known id and handle replaced (see the module docstring)."""
        r = self._lookup(s)
        if r is not None:
            return r
        if self._special is not None:
            s = self._special.sub(self._special_sub, s)
        return _TOKEN.sub(self._token, s)

    def value(self, s: str, field: str | None = None) -> str:
        """A string found in column or key ``field``."""
        if field in KEEP_FIELDS:
            return s
        if field == "display_name":
            return self.hash("name", s, "n_")
        if field in PATH_FIELDS:  # input files and directories may be named after accounts or people
            return self.hash("path", s, "f_")
        if _is_post_field(field):
            return self.hash("post", s, "p_")
        return self.text(s)

    # -- Arrow ----------------------------------------------------------------------------------

    def array(self, arr: pa.Array | pa.ChunkedArray, field: str | None = None) -> pa.Array | pa.ChunkedArray:
        """``arr`` with every string inside it (lists and structs included) pseudonymised."""
        if isinstance(arr, pa.ChunkedArray):
            return pa.chunked_array([self.array(c, field) for c in arr.chunks], type=self._type(arr.type))
        t = arr.type
        if pa.types.is_dictionary(t):
            return self.array(arr.dictionary_decode(), field)
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            arr, t = arr.cast(pa.string()), pa.string()
        if pa.types.is_string(t):
            uniq = pc.unique(arr).drop_null()
            if len(uniq) == 0:
                return arr
            new = pa.array([self.value(s, field) for s in uniq.to_pylist()], pa.string())
            return new.take(pc.index_in(arr, value_set=uniq))
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            lengths = pc.list_value_length(arr).fill_null(0).to_numpy(zero_copy_only=False)
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64 if pa.types.is_large_list(t) else np.int32)
            values = self.array(pc.list_flatten(arr), field)
            cls = pa.LargeListArray if pa.types.is_large_list(t) else pa.ListArray
            return cls.from_arrays(pa.array(offsets), values, mask=arr.is_null())
        if pa.types.is_struct(t):
            children = arr.flatten()
            fields = [t.field(i) for i in range(t.num_fields)]
            return pa.StructArray.from_arrays([self.array(c, f.name) for c, f in zip(children, fields, strict=True)],
                                              fields=[pa.field(f.name, self._type(f.type)) for f in fields],
                                              mask=arr.is_null())
        return arr

    def _type(self, t: pa.DataType) -> pa.DataType:
        """The type :meth:`array` turns ``t`` into."""
        if pa.types.is_dictionary(t):
            return self._type(t.value_type)
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return pa.string()
        if pa.types.is_list(t):
            return pa.list_(self._type(t.value_type))
        if pa.types.is_large_list(t):
            return pa.large_list(self._type(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(t.field(i).name, self._type(t.field(i).type)) for i in range(t.num_fields)])
        return t

    def table(self, table: pa.Table) -> pa.Table:
        """Every string column of ``table`` pseudonymised (see :meth:`value`)."""
        cols = [self.array(table.column(i), table.schema.field(i).name) for i in range(table.num_columns)]
        return pa.table(cols, names=table.column_names)

    # -- JSON -----------------------------------------------------------------------------------

    def json(self, obj: Any, field: str | None = None) -> Any:
        """A JSON value (dossier, summary) with every string pseudonymised; keys equal to an id too."""
        if isinstance(obj, str):
            return self.value(obj, field)
        if isinstance(obj, dict):
            return {(self._lookup(k) or k): self.json(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.json(v, field) for v in obj]
        return obj
