"""TF-TBML-02 Phantom shipment or multiple invoicing.

The whole typology: metadata (typology.yaml), detector (detect.py, *.sql), planter (plant.py),
literal reading and example cases (examples.yaml); see typologies.registry.
"""
