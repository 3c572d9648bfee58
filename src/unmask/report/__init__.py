"""The offline HTML investigation report of a result directory (docs/results.md).

:func:`render_report` reads the result directory, shapes what a reader needs (capped so that a
100 k-account result stays usable) into one JSON document, and writes a single HTML file that holds
that JSON, the vendored sigma.js + graphology bundles, the report's own script and style, and
nothing else: it requests nothing from any host.

Security: every string in a result comes from the accounts under investigation. The JSON sits in a
``<script type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, is
read with ``JSON.parse`` and shown through ``textContent`` / ``createElement`` only; a
Content-Security-Policy admits just the file's own inline scripts and style by hash, blocks every
network fetch and enforces Trusted Types (so an ``innerHTML`` with a string would throw).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path

from unmask import __version__
from unmask.report._data import build_data, json_for_html

__all__ = ["VENDOR", "render_report"]

#: Vendored JavaScript: name -> (file under vendor/, version).
VENDOR: dict[str, tuple[str, str]] = {
    "graphology": ("graphology.umd.min.js", "0.26.0"),
    "sigma": ("sigma.min.js", "3.0.3"),
}

_SLOT = re.compile(r"\{\{([A-Z_]+)\}\}")
_BAD_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)


def _asset(name: str) -> str:
    return resources.files("unmask.report").joinpath(name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _script(text: str, what: str) -> str:
    if _BAD_IN_SCRIPT.search(text):
        raise ValueError(f"{what} contains '</script' or '<!--' and cannot be inlined")
    return text


def render_report(result_dir: str | Path, out_html: str | Path, *, max_nodes: int = 300,
                  max_edges: int = 1500, max_clusters: int = 50, max_campaigns: int = 12,
                  max_dossiers: int = 2000, max_dossier_bytes: int = 8_000_000,
                  title: str | None = None) -> Path:
    """Write the report of ``result_dir`` to ``out_html`` and return its path.

    ``max_nodes``/``max_edges``: what each cluster's network view draws (the members with the
    strongest fused weight first, then the heaviest edges among them); ``max_clusters``: cluster
    cards (most flagged members first, then score; every cluster stays in the cluster table); ``max_campaigns``:
    hashtags/domains charted; ``max_dossiers``: account dossiers embedded (highest score first; the
    others show their table row and the path of their dossier file); ``max_dossier_bytes``: stop
    embedding dossiers once their JSON reaches this size (the file stays near 25 MB at 100 k accounts).
    """
    result = Path(result_dir)
    if not (result / "accounts.parquet").exists():
        raise FileNotFoundError(f"{result} is not a result directory (no accounts.parquet); "
                                "make one with `unmask detect DATASET -o RESULT`")
    data = build_data(result, max_nodes=max_nodes, max_edges=max_edges, max_clusters=max_clusters,
                      max_campaigns=max_campaigns, max_dossiers=max_dossiers,
                      max_dossier_bytes=max_dossier_bytes)
    data["meta"].update({"report_version": __version__, "title": title or "",
                         "vendor": {k: v for k, (_, v) in VENDOR.items()}})
    scripts = [_script(_asset(f"vendor/{f}"), f) for f, _ in VENDOR.values()]
    scripts.append(_script(_asset("report.js"), "report.js"))
    style = _asset("report.css")
    if "</style" in style.lower():
        raise ValueError("report.css contains '</style'")
    csp = "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_sha256(s) for s in scripts),
        "style-src " + _sha256(style),
        "img-src data:",
        "font-src 'none'",
        "connect-src 'none'",
        "media-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "manifest-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ])
    slots = {
        "CSP": csp,
        "STYLE": style,
        "DATA": json_for_html(data),
        "VENDOR_SCRIPTS": "".join(f"<script>{s}</script>\n" for s in scripts[:-1]),
        "APP": scripts[-1],
        "VERSION": __version__,
    }
    # One pass over the template only: text put into a slot is never scanned for slots again.
    html = _SLOT.sub(lambda m: slots[m.group(1)], _asset("template.html"))
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
