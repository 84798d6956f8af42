"""Custom Rasa NLU components of the guichet."""
