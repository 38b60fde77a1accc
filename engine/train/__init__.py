"""Meta-training of the hypernetwork (torch): batches, losses, checkpoints, the training loop and its configs.

``python -m engine.train`` runs :func:`engine.train.loop.main`.
"""
