"""The project's own NLU components (config.yml names them as `nlu_components.<module>.<Class>`).

Rasa imports this package for every `rasa train` and `rasa run` of the project, so it is also
where the training-cache fingerprints are made cheaper (training_fingerprints.py says why).
"""

from nlu_components import training_fingerprints

training_fingerprints.install()
