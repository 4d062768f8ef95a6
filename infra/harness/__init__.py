"""The Annadata harness: registry, Docker engine, stand-in images and the checks nox runs."""
