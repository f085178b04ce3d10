"""TF-DOC-01 Lost, stolen or invalid travel document.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
