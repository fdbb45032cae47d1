"""The fast forms of the eligibility regexes find exactly what their plain forms find."""
import importlib
import random
import re

import pytest

from adapter.eligibility import comparators, lexicon, negation, rx, text, values

# the package exports the function split under the module's name
_split = importlib.import_module("adapter.eligibility.split")


def _spans(pattern: re.Pattern, s: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(s, pos, len(s) if endpos is None else endpos)]


def _texts(pieces: list[str], seed: int, n: int = 3000, most: int = 8) -> list[str]:
    rnd = random.Random(seed)
    joins = ["", " ", " ", "  ", ",", "-", "/", "\n", "."]
    return ["".join(rnd.choice(pieces) + rnd.choice(joins) for _ in range(rnd.randint(1, most))) for _ in range(n)]


def test_words_finds_what_the_plain_alternation_finds():
    alts = ["no", "not", "none", "never", r"other\s+than", r"free\s+(?:of|from)", "n", "nothing"]
    plain = re.compile(r"\b(?:" + "|".join(alts) + r")\b\s*")
    fast = re.compile(rx.words(alts, r"\b\s*"))
    for s in _texts(["no", "not", "none", "other than", "free of", "free", "nothing", "n", "x", "1", "_", "é"], 1):
        assert _spans(fast, s) == _spans(plain, s), s
        assert _spans(fast, s, 1, len(s) - 1) == _spans(plain, s, 1, len(s) - 1), s


def test_words_rejects_an_alternative_that_does_not_start_with_a_letter():
    with pytest.raises(ValueError):
        rx.words([r"\d+"])


def test_numbers_are_those_of_one_alternation_of_digits_and_words():
    plain = re.compile(r"(?<![\w.,/])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?![\d.,])|\d+(?:\.\d+)?|\.\d+)"
                       r"(?![\d])|\b(?:" + "|".join(values.WORD_NUMBERS) + r")\b")
    pieces = ["1", "12", "1234", "5", ".", ",", " ", "000", "/", "x", "\u0661", "one", "eight", "eighteen", "twenty",
              "tw", "_"]
    for s in _texts(pieces, 2, most=6):
        assert [m.span() for m in values._numbers(s)] == _spans(plain, s), s


def test_unit_match_is_the_match_of_the_whole_unit_pattern():
    whole = lexicon.unit_pattern()
    aliases = [alias for alias, _, _ in lexicon.units()]
    rnd = random.Random(3)
    for _ in range(2000):
        s = "".join(rnd.choice([rnd.choice(aliases), " ", "/", " / ", "x", "1", "\u1680"]) for _ in range(3))
        for pos in range(len(s) + 1):
            a, b = whole.match(s, pos), lexicon.unit_match(s, pos)
            assert (a and a.span()) == (b and b.span()), (s, pos)


def test_inline_headers_are_split_as_the_plain_substitution_splits_them():
    def plain(t: str) -> list[str]:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
        return _split._INLINE_HEADER.sub(lambda m: "\n" + m.group(1) + "\n", t).split("\n")

    pieces = ["key", "main", "Inclusion", "exclusion", "non", "criteria", "Criterion", "CRITERIA", ":", "\t", "x",
              "consent.", "\u0130", "\u0131", "cr\u0131teria", "\u1680", "\r\n"]
    for s in _texts(pieces, 4, most=10):
        assert _split._lines(s) == plain(s), s


def test_prefix_is_found_where_the_plain_patterns_find_it():
    def plain_rx(phrases: tuple[str, ...]) -> re.Pattern:
        symbols = "|".join(p for p in phrases if p[:1] in "<>=")
        words = "|".join(p for p in phrases if p[:1] not in "<>=")
        return re.compile(r"(?:(?<![<>=])(?:" + symbols + r")|(?<!\w)(?:" + words + r"))" + comparators._GAP + "$")

    ops = [(op, plain_rx(p)) for op, p in ((">=", comparators._GE), ("<=", comparators._LE), (">", comparators._GT),
                                           ("<", comparators._LT))]

    def plain(before: str) -> tuple[str | None, int]:
        tail = before[-48:]
        for op, pattern in ops:
            m = pattern.search(tail)
            if m:
                return op, len(before) - len(tail) + m.start()
        return None, -1

    vocab = sorted({w for p in comparators._GE + comparators._LE + comparators._GT + comparators._LT
                    for w in re.findall(r"[a-z]+", p)})
    for s in _texts(vocab + ["<", ">", "=", ":", "x", "1", "the", "age", "hb"], 5, n=4000):
        assert comparators.prefix(s) == plain(s), s


def test_negation_cues_are_found_where_the_plain_pattern_finds_them():
    plain = re.compile(r"\b(?:no|not|without|never|absence|absent|lack|lacking|denies|denied|neither|none|except|"
                       r"excluding|other\s+than|unless|ruled\s+out|free\s+(?:of|from)|"
                       r"negative\s+(?:(?:test|result|screen)s?\s+)?(?:for|to|on|of))\b|n't\b")
    pieces = ["no", "not", "none", "don't", "n't", "negative", "test", "for", "free", "of", "other", "than", "x"]
    for s in _texts(pieces, 6):
        assert _spans(negation._CUE, s) == _spans(plain, s), s


def test_clean_translates_ascii_as_the_table_does():
    rnd = random.Random(7)
    for _ in range(3000):
        s = "".join(chr(rnd.randrange(128)) for _ in range(rnd.randint(0, 12)))
        assert text.clean(s) == text._ESCAPE.sub(r"\1", s.translate(text._TABLE)), repr(s)


def test_reverse_and_starts_keep_what_a_pattern_matches():
    patterns = [comparators._GAP, r"a(?:bc|d)?e*\s+[xy]{1,2}|b\b(?:c|)", r"(?:(?:a|b)+c)*\.?d", r">+\s*(?:a|bc)?"]
    patterns += list(comparators._GE + comparators._LE + comparators._GT + comparators._LT)
    pieces = ["a", "b", "c", "d", "e", " ", "x", "y", ".", ">", "=", "to", "of", "the", ":", "age", "ages", "than",
              "or", "equal", "greater", "less", "at", "least", "min", "exceeding", "over"]
    compiled = [(re.compile(p), re.compile(rx.reverse(p)),
                 re.compile("|".join(c + rest for c, rest in rx.starts(p))) if p != comparators._GAP else None)
                for p in patterns]
    rnd = random.Random(8)
    for _ in range(3000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        for forward, backward, ways in compiled:
            matched = bool(forward.fullmatch(s))
            assert matched == bool(backward.fullmatch(s[::-1])), (forward.pattern, s)
            assert ways is None or matched == bool(ways.fullmatch(s)), (forward.pattern, s)
    for bad in [r"(?<!a)b", r"a$", r"a+?", r"(a)", r"a)", r"(?:a"]:
        with pytest.raises(ValueError):
            rx.reverse(bad)
    for bad in [r"\s+a", r"a?", r"[ab]c", r"a{2}b"]:
        with pytest.raises(ValueError):
            rx.starts(bad)
