"""Site search over the published pieces and the reference library, in three parts by job:
``index`` keeps the PostgreSQL vectors, ``query`` finds and ranks, ``results`` shows a page of hits.
"""
