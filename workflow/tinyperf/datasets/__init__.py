"""Datasets: manifests, download, safe extraction, synthetic sources, feature preparation, evaluation files."""
