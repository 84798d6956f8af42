"""Custom actions of the Côté Soin guichet (rasa-sdk). One module per topic."""
