"""Receipt codes: entropy, readability, forgiving input, refusal of malformed input, keyed hashing."""

import math

import pytest

from tipline.reports.receipt import (
    ALPHABET,
    LENGTH,
    MAX_INPUT,
    MalformedReceiptCode,
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


def test_case_spaces_and_lookalikes_are_forgiven():
    code = new_receipt_code()
    canonical = normalize_receipt_code(code)
    typed = " " + code.lower().replace("-", " ") + "  "
    assert normalize_receipt_code(typed) == canonical
    with_lookalikes = canonical.replace("0", "o").replace("1", "l")
    assert normalize_receipt_code(with_lookalikes) == canonical


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
