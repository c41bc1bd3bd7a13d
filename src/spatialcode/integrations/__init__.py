"""Adapters that let other tools run spatialcode: :mod:`.lmms_eval` makes a reasoner over spatial
codes a model of the lmms-eval harness. Each imports its tool, installed on its own (see
scripts/bootstrap.sh), and sits above the harness and the encoder it drives."""
