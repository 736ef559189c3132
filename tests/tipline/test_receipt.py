"""Receipt codes: entropy, readability, forgiving input, refusal of malformed input, keyed hashing."""

import math
from collections import Counter

import pytest

from tipline.reports.receipt import (
    ALPHABET,
    LENGTH,
    MAX_INPUT,
    MalformedReceiptCode,
    format_receipt_code,
    new_receipt_code,
    normalize_receipt_code,
    receipt_digest,
)


def test_code_carries_at_least_112_bits():
    assert LENGTH * math.log2(len(ALPHABET)) >= 112


def test_codes_are_grouped_and_unambiguous():
    code = new_receipt_code()
    groups = code.split("-")
    assert len(groups) == 6 and all(len(g) == 4 for g in groups)
    assert not set(code.replace("-", "")) & set("ILOU")


def test_codes_do_not_repeat():
    codes = {new_receipt_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_case_and_spaces_are_forgiven():
    code = new_receipt_code()
    canonical = normalize_receipt_code(code)
    typed = " " + code.lower().replace("-", " ") + "  "
    assert normalize_receipt_code(typed) == canonical


# A code with 0 and 1 in known places, so the look-alike test never depends on chance.
KNOWN = "0123456789ABCDEFGHJKMNPQ"
assert len(KNOWN) == LENGTH and set(KNOWN) <= set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "O1" + KNOWN[2:],  # O for 0
        "0I" + KNOWN[2:],  # I for 1
        "0L" + KNOWN[2:],  # L for 1
        "oi" + KNOWN[2:].lower(),
        "ol" + KNOWN[2:].lower(),
        "OL23-4567 89AB-CDEF GHJK-MNPQ",
    ],
)
def test_lookalikes_are_read_as_the_digits_they_stand_for(typed):
    """Catches a fold table that drops one of O->0, I->1, L->1 (the random code may not contain them)."""
    assert normalize_receipt_code(typed) == KNOWN
    assert receipt_digest(b"k", typed) == receipt_digest(b"k", format_receipt_code(KNOWN))


def test_u_is_not_a_lookalike():
    with pytest.raises(MalformedReceiptCode):
        normalize_receipt_code("U" + KNOWN[1:])


def test_codes_use_all_32_symbols_evenly_for_120_bits():
    """Catches codes drawn from fewer symbols (8 symbols: 72 bits) or positions that do not vary.

    Over 2000 codes each symbol is expected 1500 times (62.5 per position); a symbol
    missing anywhere, or off by 300 overall (about 8 standard deviations), is no accident.
    """
    codes = [normalize_receipt_code(new_receipt_code()) for _ in range(2000)]
    assert {len(code) for code in codes} == {24}
    seen = Counter("".join(codes))
    assert set(seen) == set(ALPHABET) and len(ALPHABET) == 32
    assert all(abs(count - 1500) < 300 for count in seen.values()), seen
    for position in range(24):
        assert {code[position] for code in codes} == set(ALPHABET), position
    assert 24 * math.log2(len(seen)) == 120


@pytest.mark.parametrize(
    "bad",
    ["", "ABC", "U" * 24, "A" * 25, "<script>alert(1)</script>", "A" * (MAX_INPUT + 1), None, "ＡＢＣＤ" * 6],
)
def test_malformed_input_is_refused(bad):
    with pytest.raises(MalformedReceiptCode):
        normalize_receipt_code(bad)


def test_digest_is_keyed():
    code = new_receipt_code()
    assert receipt_digest(b"k1", code) == receipt_digest(b"k1", code.lower())
    assert receipt_digest(b"k1", code) != receipt_digest(b"k2", code)
    assert code.replace("-", "") not in receipt_digest(b"k1", code)


def test_a_code_opens_its_tip_only_under_the_secret_key_it_was_issued_with(app, app_config):
    """Catches a receipt key that no longer depends on SECRET_KEY (or a digest that is a plain hash).

    Whoever holds the database but not SECRET_KEY must not be able to test guesses offline.
    """
    import hashlib
    import hmac

    from tests.tipline.test_tracking import look_up
    from tipline import create_app
    from tipline.crypto import derived_key
    from tipline.extensions import db
    from tipline.reports.service import TipSubmission, find_tip, submit_tip

    tip, code = submit_tip(
        TipSubmission(
            platform_name="云朵网课",
            category="teachers",
            location="live",
            description="直播课老师在课上骂学生。",
            reporter_type="parent",
            locale="zh",
            client="192.0.2.7",
        ),
        [],
    )
    db.session.commit()
    symbols = normalize_receipt_code(code).encode()
    plain = {hashlib.sha256(symbols).hexdigest(), hashlib.sha256(code.encode()).hexdigest()}
    plain.add(hmac.new(b"", symbols, hashlib.sha256).hexdigest())
    assert tip.receipt_digest not in plain
    assert find_tip(code).id == tip.id
    assert look_up(app.test_client(), code).status_code == 302

    other = create_app({**app_config, "SECRET_KEY": app_config["SECRET_KEY"] + "-another"})
    with other.app_context():
        try:
            assert receipt_digest(derived_key("receipt"), code) != tip.receipt_digest
            assert find_tip(code) is None
            assert look_up(other.test_client(), code).status_code == 404
        finally:
            db.session.remove()
            db.engine.dispose()


def test_digest_depends_on_every_symbol_of_the_code():
    """Catches a digest computed without the code (found by `make mutants`): every code would open one tip."""
    digests = {receipt_digest(b"k", KNOWN[:i] + ("Z" if KNOWN[i] != "Z" else "Y") + KNOWN[i + 1 :]) for i in range(24)}
    assert len(digests) == 24 and receipt_digest(b"k", KNOWN) not in digests


def test_input_up_to_the_limit_is_read():
    """Catches an off-by-one in MAX_INPUT (found by `make mutants`): a well-spaced code of exactly the limit is read."""
    spaced = format_receipt_code(KNOWN).center(MAX_INPUT)
    assert len(spaced) == MAX_INPUT and normalize_receipt_code(spaced) == KNOWN
