"""TF-REM-01 Remittances to many individuals in facilitation jurisdictions.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
