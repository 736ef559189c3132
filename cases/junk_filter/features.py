"""What the junk filter reads in a text: its words, segmented by jieba, and its runs of characters.

Words carry meaning ("瘦身", "loan"); Chinese character pairs and triples catch what
segmentation splits differently, and runs of four letters the inflections of Latin words
("slimming", "slim").
Both work on Chinese, English and text that mixes them. Training (learn.py) and scoring
(score.py) read texts through this one function, so they always agree.
"""

import re

import rjieba

from cases.junk import URL

# Longer texts add nothing to tell an advert from a report; the cut keeps scoring cheap.
MAX_CHARS = 2000
WORD = re.compile(r"[\w\u3400-\u9fff]")
HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
LATIN_WORD = re.compile(r"[^\W\d_\u3400-\u9fff]{3,}")


def words(text):
    """The words of a text as jieba segments it, without the spaces and punctuation between them."""
    return [word for word in rjieba.cut(text) if WORD.search(word)]


def features(text):
    """The features of a text: "w:" + each word; "c:" + each two and three Chinese characters in a row,
    and each four letters of a Latin word with its edges (" slim", "limm", ..., "ing ")."""
    # Web addresses are not words (the rules of cases/junk.py judge a tip that is only a link).
    text = URL.sub(" ", (text or "")[:MAX_CHARS].lower())
    found = [f"w:{word}" for word in words(text)]
    for run in HAN_RUN.findall(text):
        for size in (2, 3):
            found.extend(f"c:{run[i : i + size]}" for i in range(len(run) - size + 1))
    for word in LATIN_WORD.findall(text):
        padded = f" {word} "
        found.extend(f"c:{padded[i : i + 4]}" for i in range(len(padded) - 3))
    return found


def shown(feature):
    """A feature as staff read it in the junk tray: the word or the characters, without their kind."""
    return feature.split(":", 1)[1].strip()


# Words too common to tell a reader anything, though they weigh in the score.
PLAIN_WORDS = frozenset(
    "and are but for from has have her his its not our she that the their this was with you your".split()
)


def readable(feature):
    """Whether a feature says something to a reader: two Chinese characters or more, or a whole Latin word
    of three letters or more that is not a plain word of English grammar (never a run of four letters)."""
    word = shown(feature)
    if HAN_RUN.search(word):
        return len(word) >= 2
    return is_word(feature) and len(word) >= 3 and word not in PLAIN_WORDS


def is_word(feature):
    return feature.startswith("w:")
