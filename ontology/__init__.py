"""The coopgraph ontology (coop.ttl) and SHACL shapes (shapes.ttl), shipped as package resources.

- ``coop.ttl``: the OWL vocabulary (classes and properties with English labels and comments),
  aligned with W3C ORG, PROV-O, schema.org, SKOS, FOAF and Dublin Core terms.
- ``shapes.ttl``: what valid data looks like (labels, evidence, documents, posts, agreements,
  mechanisms, the kinds of values relations link to); checked with pyshacl by ``coopgraph.graph.validate``.

Read them through ``coopgraph.graph.resources`` (importlib.resources), never by file path.
"""

if __name__ != "coopgraph.ontology":  # see coopgraph/__init__.py: one module, one name
    raise ImportError(f"import coopgraph.ontology, not {__name__}")
