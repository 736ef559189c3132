"""Searching tip text in Chinese and English, fast on PostgreSQL at millions of tips.

Chinese has no spaces between words, so a tip is indexed by its characters and
pairs of neighbouring characters (unigrams and bigrams), and Latin text by its
words. Each tip keeps those terms in `tip.search_terms` (written once: a tip is
never edited), and PostgreSQL indexes them with a GIN full-text index
(migration 0010). A search word becomes a query over the same terms, which finds
the few candidate tips through the index; a plain LIKE on the text then keeps
only those that hold the word as typed. Latin words match from their start
("cert" finds "certificate"); Chinese of any length matches anywhere.

SQLite, the embedded default, has no such index and runs the LIKE alone.
"""

import re

from sqlalchemy import func, literal_column

from tipline.extensions import db
from tipline.platforms.models import like_pattern

# Runs of letters and digits; within them, runs of CJK characters (and other scripts
# written without spaces) are cut into grams, the rest is kept as words.
_RUNS = re.compile(r"[^\W_]+")
_SPACELESS = re.compile(r"([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]+)")
# Words are cut to this length: the index refuses longer terms, and no one types them.
_LONGEST_WORD = 100
_CONFIG = literal_column("'simple'::regconfig")


def search_index_expression(terms_column):
    """The indexed expression over the search terms (the index and every query must agree on it)."""
    if isinstance(terms_column, str):
        terms_column = literal_column(terms_column)
    return func.to_tsvector(_CONFIG, terms_column)


def _pieces(text):
    """(kind, run) for each run of the text, lower-cased: kind "grams" or "word"."""
    for run in _RUNS.findall((text or "").lower()):
        for i, part in enumerate(_SPACELESS.split(run)):
            if part:
                yield ("grams" if i % 2 else "word"), part


def search_terms(text):
    """The terms a tip is indexed by: every CJK character and pair of neighbours, every word."""
    terms = set()
    for kind, run in _pieces(text):
        if kind == "word":
            terms.add(run[:_LONGEST_WORD])
        else:
            terms.update(run)
            terms.update(run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(sorted(terms))


def _query_terms(word):
    """The full-text query that any tip holding `word` matches, or None when it has no terms."""
    parts = []
    for kind, run in _pieces(word):
        if kind == "word":
            parts.append(f"'{run[:_LONGEST_WORD]}':*")
        elif len(run) == 1:
            parts.append(f"'{run}'")
        else:
            parts.extend(f"'{run[i : i + 2]}'" for i in range(len(run) - 1))
    return " & ".join(dict.fromkeys(parts)) or None


def text_matches(column, terms_column, word):
    """Conditions under which the text in `column` holds `word` (lower-cased by the caller)."""
    conditions = [func.lower(column).like(like_pattern(word), escape="\\")]
    query = _query_terms(word)
    if query is not None and db.engine.dialect.name == "postgresql":
        # The same expression as the index, so the planner can use it.
        conditions.insert(0, search_index_expression(terms_column).op("@@")(func.to_tsquery(_CONFIG, query)))
    return conditions
