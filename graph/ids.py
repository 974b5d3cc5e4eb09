"""Identifiers: entity slugs <-> IRIs under one configurable base.

An entity ``chongqing-customs`` built with base ``https://coopgraph.org/`` is
``https://coopgraph.org/id/chongqing-customs``; evidence nodes live under ``{base}evidence/``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["SLUG_RE", "is_slug", "slugify", "entity_iri", "evidence_iri", "slug_of", "normalise_base"]

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text))


def slugify(text: str) -> str:
    """``"Chongqing Customs"`` -> ``"chongqing-customs"`` (ASCII only; other scripts are dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def normalise_base(base: str) -> str:
    """A base always ends with exactly one slash."""
    return base.rstrip("/") + "/"


def entity_iri(base: str, slug: str) -> str:
    return f"{normalise_base(base)}id/{slug}"


def evidence_iri(base: str, *parts: str) -> str:
    """A stable IRI for one piece of evidence: a hash of what it is evidence of."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"{normalise_base(base)}evidence/{digest}"


def slug_of(base: str, iri: str) -> str | None:
    """The slug of an entity IRI under ``base``, or None if the IRI is not one of ours."""
    prefix = f"{normalise_base(base)}id/"
    if not iri.startswith(prefix):
        return None
    slug = iri[len(prefix):]
    return slug if is_slug(slug) else None
