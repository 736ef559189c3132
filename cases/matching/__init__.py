"""Finding tips together beyond platform and category: the same picture, the same link, text that reads alike."""


def match_again(tips):
    """Have these tips matched again by the next sweep (after a merge, a split, an addition, a release)."""
    for tip in tips:
        tip.matched_at = None
