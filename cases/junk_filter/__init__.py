"""The junk filter that learns: a text classifier trained on staff's junk-tray decisions (see learn.py)."""
