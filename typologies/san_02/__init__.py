"""SAN-02 Payment to or from a designated name.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
