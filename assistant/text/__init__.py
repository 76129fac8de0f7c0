"""Chinese text rules and tokenisation shared by ingest, retrieve and answer (one place for each rule)."""
