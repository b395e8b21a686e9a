"""What identifies a link: the one URL key of the code base.

Two spellings of the same page or tweet link get the same key: no scheme, no
"www." or "m.", no fragment, no tracking parameters (utm_*, s, t, ref_src, …),
no trailing slash or trailing punctuation (a URL at the end of a sentence).
The host is lower-cased; the path keeps its case (t.co codes are
case-sensitive). Used by the stores' `find_by_url` (is this page archived?)
and the verifier's link tables (which archived posts carry this link?).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|ref|ref_src|ref_url|s|t|amp)$", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_TRAILING = "/!.,;:)?\u060c\u061f"  # slash, Latin and Arabic punctuation


def url_key(url: str) -> str:
    """The key of a URL (see the module doc); "" for an empty one."""
    text = url.strip()
    if not text:
        return ""
    if not _SCHEME.match(text) and not text.startswith("//"):
        text = "//" + text  # scheme-less: "example.com/a" is a host and a path
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return text.lower()
    host = host.removeprefix("www.").removeprefix("m.")
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    path = unquote(parts.path).rstrip(_TRAILING)  # a link pasted decoded or percent-encoded
    params = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                    if not _TRACKING_PARAMS.match(k))
    query = "&".join(f"{k}={v}" for k, v in params).rstrip(_TRAILING)
    return f"{host}{path}" + (f"?{query}" if query else "")
