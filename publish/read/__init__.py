"""Read: the book's config, its pieces (by reader, found by file suffix), their text and what they may refer to."""
