"""TF-MICRO-01 Micro-donation aggregation (crowdfunding).

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
