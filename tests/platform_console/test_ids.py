"""Public ids: a prefix and 24 characters drawn evenly from the 62 letters and digits."""

from collections import Counter

from platform_console.ids import ALPHABET, ID_LENGTH, matches_prefix, new_public_id


def test_an_id_is_its_prefix_and_24_letters_or_digits():
    ids = [new_public_id("tr_") for _ in range(2_000)]
    assert all(matches_prefix(value, "tr_") and len(value) == 3 + ID_LENGTH for value in ids)
    assert len(set(ids)) == len(ids)


def test_every_character_is_drawn_about_equally_often():
    drawn = Counter(char for _ in range(5_000) for char in new_public_id("")[:ID_LENGTH])
    expected = 5_000 * ID_LENGTH / len(ALPHABET)  # about 1 935 each
    assert set(drawn) == set(ALPHABET)
    # Bytes 248-255 are dropped, not folded onto the first 8 characters: a fold would give those
    # characters 5/4 of the others' share, far outside this band (±12 %, over 5 standard
    # deviations: a fair draw leaves it about once in 100 000 runs).
    assert all(abs(count - expected) < 0.12 * expected for count in drawn.values()), drawn.most_common(3)
