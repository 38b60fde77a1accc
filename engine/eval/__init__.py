"""Torch-free evaluation: question answering on documents and skills, with reports and plots."""
