"""Procedural domains with ground-truth factors: shapes, digits, scenes, toy vectors."""
