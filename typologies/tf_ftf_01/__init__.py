"""TF-FTF-01 Foreign terrorist fighter financial profile.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
