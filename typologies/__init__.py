"""Detection content: one folder per typology (``typologies/<id>/``), discovered by
:mod:`typologies.registry`; ``_common`` holds helpers the detectors share."""
