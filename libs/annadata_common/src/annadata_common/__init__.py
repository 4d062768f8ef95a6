"""Code shared by Annadata services: settings, health, JSON logging, model registry, jobs."""

__version__ = "0.1.0"
