"""TF-TBML-04 Strategic (dual-use) goods to a risky end.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
