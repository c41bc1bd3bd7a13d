"""Reinforcement learning: the spatial rubric reward (format, accuracy, grounding, perspective, quantities, consistency)."""
