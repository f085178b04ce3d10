"""The use cases of ctfmon, one module each, shared by every face (CLI, API, pages, scheduler).

Layers, top to bottom: the faces (``cli``, ``api``) > ``services`` > ``typologies`` and
``datagen`` > ``engine``.  A service takes an open DuckDB connection (the faces decide how
the database is held: a file opened by one CLI command, or the server's shared connection),
does the whole use case and writes its audit entry, so no face repeats a step.

- :mod:`services.window`     the one parser of ``as-of`` and ``lookback`` values
- :mod:`services.scans`      run a scan: scan -> store alerts -> cases -> one ``scan.run`` entry
- :mod:`services.lists`      load a sanctions list: load -> ``list.load`` entry -> re-screen scan
- :mod:`services.ingest`     load contract files, one ``ingest.file`` entry per file
- :mod:`services.typologies` the catalogue of the typology folders; audited parameter changes
- :mod:`services.reports`    export a case as a goAML STR, audited
- :mod:`services.risk`       rate every party on request, audited (scans rate them themselves)
- :mod:`services.datasets`   generate, verify and import synthetic or public data sets
"""
