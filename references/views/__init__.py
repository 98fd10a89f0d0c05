"""The public pages of the library and the evidence, by job: ``library`` (references and their
downloads), ``evidence_table`` (the table of studies and its CSV), ``studies`` (a study's page and
the conditions)."""
