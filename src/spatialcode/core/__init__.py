"""The small shared core every layer may use: errors, input validation, bounded JSON input,
config dataclasses from YAML + overrides, and the package version. Imports nothing else of
spatialcode."""
