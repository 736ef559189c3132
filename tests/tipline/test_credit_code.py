"""The unified social credit code check (GB 32100-2015)."""

import pytest

from tipline.organisations.credit_code import ALPHABET, check_character, normalise, problem

# Published codes of real registered companies, each with its own check character.
VALID = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_pass(code):
    assert problem(code) is None
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID)
def test_every_single_changed_character_is_caught(code):
    """Catches a check that ignores one position (a wrong weight) or the check character itself."""
    for position in range(18):
        for other in ALPHABET:
            if other == code[position]:
                continue
            changed = code[:position] + other + code[position + 1 :]
            if changed[2:8].isdigit():
                assert problem(changed) is not None, changed


def test_a_check_character_of_zero_is_written_0():
    """Catches "31 counts as 0" left out: a weighted sum that is already a multiple of 31."""
    prefix = "911100000000000"  # the first fifteen characters of a Beijing company's code
    seventeen = next(prefix + a + b for a in ALPHABET for b in ALPHABET if check_character(prefix + a + b) == "0")
    assert problem(seventeen + "0") is None


@pytest.mark.parametrize(
    "typed, expected",
    [
        (" 9135 0100-M000 100Y43 ", "91350100M000100Y43"),
        ("91350100m000100y43", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),  # full-width, as Chinese input methods type it
    ],
)
def test_codes_are_compared_as_people_write_them(typed, expected):
    assert normalise(typed) == expected and problem(normalise(typed)) is None


@pytest.mark.parametrize(
    "code, why",
    [
        ("", "length"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "characters"),  # I, O, Z, S and V are not used
        ("91350100M0001OOY43", "characters"),
        ("913501X0M000100Y43", "region"),
        ("91350100M000100Y44", "check"),
    ],
)
def test_wrong_codes_say_what_is_wrong(code, why):
    assert problem(code) == why
