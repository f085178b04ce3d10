"""Real-time scoring: one transaction (or cash declaration) decided while it is in flight.

- :mod:`engine.realtime.records` validates request records with the ingest rules
  (:func:`engine.ingest.validate.validate`, the FX twins of :mod:`engine.ingest.fx`) and
  inserts the ones asked to be recorded the way ingest loads a file (an ``ingest_batches``
  row, external accounts, all in one transaction);
- :mod:`engine.realtime.directory` holds what a decision needs to know about accounts and
  parties (owner, type, country, names, risk tier) in memory;
- :mod:`engine.realtime.base` is the shape of a typology's per-transaction reading
  (``typologies/<id>/realtime.py``) and the verdict policy;
- :mod:`engine.realtime.decisions` is the ``score_decisions`` table.

The use case (state refresh, micro-batching, recording) is :mod:`services.realtime`.
"""
