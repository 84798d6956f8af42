"""Channels, web app and command line of the Côté Soin guichet."""
