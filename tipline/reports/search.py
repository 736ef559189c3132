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
import time

from sqlalchemy import func, literal_column, text

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


def _lexemes(word):
    """(lexeme, is_prefix) pairs that every tip holding `word` has among its terms."""
    lexemes = []
    for kind, run in _pieces(word):
        if kind == "word":
            lexemes.append((run[:_LONGEST_WORD], True))
        elif len(run) == 1:
            lexemes.append((run, False))
        else:
            lexemes.extend((run[i : i + 2], False) for i in range(len(run) - 1))
    return list(dict.fromkeys(lexemes))


def _query_terms(word):
    """The full-text query that any tip holding `word` matches, or None when it has no terms."""
    parts = [f"'{lexeme}':*" if prefix else f"'{lexeme}'" for lexeme, prefix in _lexemes(word)]
    return " & ".join(parts) or None


# PostgreSQL's statistics of the index (its most common terms), read at most this often per process.
STATISTICS_SECONDS = 600
_statistics = {"read_at": float("-inf"), "terms": {}, "tips": 0.0}


def _term_statistics():
    """({term: share of tips holding it}, number of tips), from pg_stats, cached per process."""
    if time.monotonic() - _statistics["read_at"] >= STATISTICS_SECONDS:
        row = db.session.execute(
            text(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs,"
                " (SELECT reltuples FROM pg_class WHERE relname = 'tip')"
                " FROM pg_stats WHERE tablename = 'ix_tip_search_terms'"
            )
        ).first()
        terms = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        _statistics.update(read_at=time.monotonic(), terms=terms, tips=max(row[2] or 0, 0) if row else 0.0)
    return _statistics["terms"], _statistics["tips"]


def tips_holding_estimate(words):
    """About how many tips hold all the words (PostgreSQL only), or None for words without letters or digits.

    The planner multiplies the shares of a Chinese word's character pairs as if they
    were independent, and takes a common word for a rare one; the share of the word's
    rarest term is a far better guess (terms not among the common ones count as rare).
    """
    terms, tips = _term_statistics()
    share = 1.0
    for word in words:
        lexemes = _lexemes(word)
        if not lexemes:
            return None
        for lexeme, prefix in lexemes:
            found = sum(f for t, f in terms.items() if t.startswith(lexeme)) if prefix else terms.get(lexeme, 0.0)
            share = min(share, found)
    return share * tips


def index_match(terms_column, word):
    """The condition the index answers for `word` (a superset of the tips holding it), or None.

    None on SQLite, and for a word with no letters or digits.
    """
    query = _query_terms(word)
    if query is None or db.engine.dialect.name != "postgresql":
        return None
    # The same expression as the index, so the planner can use it.
    return search_index_expression(terms_column).op("@@")(func.to_tsquery(_CONFIG, query))


def text_matches(column, terms_column, word):
    """Conditions under which the text in `column` holds `word` (lower-cased by the caller)."""
    indexed = index_match(terms_column, word)
    like = func.lower(column).like(like_pattern(word), escape="\\")
    return [like] if indexed is None else [indexed, like]
