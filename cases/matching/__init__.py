"""Finding tips together beyond platform and category: the same picture, the same link, text that reads alike."""
