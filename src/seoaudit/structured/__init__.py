"""Structured data, judged the way Google's rich results read it.

Owns the knowledge the SD rules share, each piece in one module:

- ``vocab``: the pinned schema.org vocabulary (types, parents, properties) and ISO 4217.
- ``graph``: the nodes of a page's JSON-LD and Microdata as one graph (``@graph``, arrays,
  nesting, ``@id`` references and merges), which nodes are rich-result *items*, and
  whether a block's ``@context`` is schema.org.
- ``requirements``: Google's required and recommended properties per feature, loaded from
  ``data/google_rich_results.toml`` (data, not code) and checked against an item.
- ``values``: validators of single values (ISO 8601 dates and durations, prices, currencies,
  absolute URLs, ratings).
- ``health``: the per-type health figure of a run (valid / with warnings / with errors).

Must not: parse HTML (extraction does) or fetch anything (images are checked by the crawl's
URL checks and read through ``Site.check``).
"""
