"""Growing the graph from new articles: read, find mentions, link, find relations, review, write.

    documents   paths / stdin -> IngestDocument (HTML main text via trafilatura, header blocks, metadata)
    text        fold() for matching and the sentence splitter every stage shares
    gazetteer   the graph's labels and aliases -> known-entity mentions (multi-pattern, longest match)
    ner         candidate new entities: the statistical model plus rules; acronyms defined in the text
    linking     mentions -> LinkDecision with a score and a reason; vetoes; never a silent merge
    relations   sentence by sentence: statements for the ontology's properties, modality and dates
    dates       the date a sentence states (partial dates stay partial; inferred years are marked)
    extract     one document -> Extraction (the stages above, in order)
    model       the records passed between stages, and the --report JSON
    write       accepted facts -> the document's own named graph with PROV-O provenance; removal
    review      pending extractions, decisions on them (accept, reject, relink, new), applying them
    review_file the --review-out YAML, in the curated-facts format
"""
