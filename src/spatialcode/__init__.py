"""spatialcode: explicit 3D spatial code and reasoning over it."""
__version__ = "0.1.0"
