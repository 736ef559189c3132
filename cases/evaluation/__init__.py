"""Evaluation of governance effectiveness (治理成效评估): a region tree's figures, and the cases behind each."""
