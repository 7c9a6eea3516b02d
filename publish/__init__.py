"""The booklet press."""
