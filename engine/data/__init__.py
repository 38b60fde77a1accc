"""Offline, seeded data generators for meta-training and evaluation."""
