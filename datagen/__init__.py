"""Synthetic populations with planted, labelled typologies (``ctfmon generate``).

See :mod:`datagen.generate` for the pipeline, :mod:`datagen.population` and
:mod:`datagen.normal` for the normal population, and :mod:`datagen.planters` for the
planters (one module per typology id).
"""

DATAGEN_VERSION = "1.0"
