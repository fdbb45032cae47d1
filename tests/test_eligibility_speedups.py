"""The shortcuts of the eligibility engine give what the straightforward forms they replace give."""
import importlib
import random
import re

from adapter.eligibility import comparators, lexicon, negation, values, windows

_split = importlib.import_module("adapter.eligibility.split")


def _texts(pieces: list[str], seed: int, n: int = 3000, most: int = 8) -> list[str]:
    rnd = random.Random(seed)
    joins = ["", " ", " ", "  ", ",", "-", "/", "\n", ".", "'", "+", ";"]
    return ["".join(rnd.choice(pieces) + rnd.choice(joins) for _ in range(rnd.randint(1, most))) for _ in range(n)]


def test_tokenize_finds_the_tokens_of_the_regex():
    rnd = random.Random(11)
    chars = [chr(i) for i in range(128)] + ["\u00e9", "\u0131", "\u0661", "\u1680"]
    common = "ab1-.'+/ _"
    for _ in range(20000):
        s = "".join(rnd.choice(chars if rnd.random() < 0.3 else common) for _ in range(rnd.randint(0, 14)))
        words, joined = lexicon.tokenize(s)
        assert words == lexicon._TOKEN.findall(s), repr(s)
        assert joined or all(w.isalnum() or w == "/" for w in words), repr(s)


def test_mentions_are_those_of_a_scan_of_every_word():
    def plain(low: str, measurable: bool) -> list[tuple]:
        index, starts, tokens = lexicon._index(measurable), lexicon._starts(measurable), lexicon.Tokens(low)
        words, out, after_last = tokens.words, [], 0
        for i, w in enumerate(words):
            if i < after_last or w not in starts:
                continue
            for n in starts[w]:
                found = index.get(tuple(words[i:i + n])) if n <= len(words) - i else None
                if found:
                    out.append((found[0], tokens.start(i), tokens.end(i + n - 1)))
                    after_last = i + n
                    break
        return out

    terms = sorted({t for idx in (lexicon._index(True), lexicon._index(False)) for toks in idx for t in toks})
    rnd = random.Random(12)
    pieces = rnd.sample(terms, 300) + ["a", "the", "of", "x", "1", "history", "blood", "pressure", "platelet"]
    for s in _texts(pieces, 13, n=2000):
        low = s.lower()
        # the clinical index: the measurable one merges ratios after the same scan
        got = lexicon.find_mentions(low, lexicon.Tokens(low), False)
        assert [(m.concept.id, m.start, m.end) for m in got] == plain(low, False), s


def test_numbers_are_those_of_both_scans():
    def plain(low: str) -> list[tuple[int, int]]:
        found = list(values._DIGITS.finditer(low)) + list(values._WORDS.finditer(low))
        return sorted(m.span() for m in found)

    pieces = ["1", "12", ".", "5", ",", " ", "one", "twenty", "ten", "often", "x", "_", "\u00e9", "\u0661", ".5",
              "1,500", "two-thirds", "one's"]
    for s in _texts(pieces, 14, n=5000):
        assert [m.span() for m in values._numbers(s, lexicon.Tokens(s))] == plain(s), s


def test_prefix_is_none_only_when_no_comparator_matches():
    vocab = sorted({w for p in comparators._GE + comparators._LE + comparators._GT + comparators._LT
                    for w in re.findall(r"[a-z]+", p)})
    for s in _texts(vocab + ["<", ">", "=", ":", "x", "1", "the", "age"], 15, n=4000):
        plain = next(((op, rx.search(s[-48:])) for op, rx in comparators._PREFIX if rx.search(s[-48:])), None)
        op, _ = comparators.prefix(s)
        assert op == (plain[0] if plain else None), s


def test_negation_shortcuts_change_nothing():
    def plain_scope(text: str, start: int) -> str:
        cut = 0
        for m in negation._STOP.finditer(text, 0, start):
            cut = m.end()
        for m in negation._NEW_CLAUSE.finditer(text, cut):
            if m.end() <= start:
                cut = max(cut, m.end())
        for m in negation._NEW_PREDICATE.finditer(text, cut):
            if m.end() > start:
                break
            cues = list(negation._CUE.finditer(text, cut, m.start()))
            if cues and not negation._PREDICATE_WORD.search(text, cues[-1].end(), m.start()):
                cut = m.end()
        return text[cut:start]

    pieces = ["no", "not", "without", "or", "and", "and/or", ",", "is", "has", "pregnant", "taking", "free",
              "negative", "was not required", "absent", "ruled out", "cancer", "x", "with", "who", "(", ";"]
    for s in _texts(pieces, 16, n=4000, most=12):
        for start in range(0, len(s) + 1, 3):
            assert negation._scope(s, start) == plain_scope(s, start), (s, start)
            assert negation._negated_after(s, start) == bool(negation._AFTER.match(s, start, start + 60)), (s, start)


def test_windows_are_found_as_the_plain_pattern_finds_them():
    plain = re.compile(r"\b(?:within|in\s+the\s+(?:last|past|previous)|during\s+the\s+(?:last|past|previous)|"
                       r"over\s+the\s+(?:last|past|previous))\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?"
                       r"(?:(?P<num>\d+(?:\.\d+)?|" + "|".join(values.WORD_NUMBERS) + r")\s*)?" + windows._UNIT + r"\b")
    pieces = ["within", "in", "the", "last", "past", "previous", "during", "over", "6", "six", "months", "weeks",
              "d", "xwithin", "prior to", "before", "3"]
    for s in _texts(pieces, 17, n=4000):
        assert [m.span() for m in windows._STANDALONE.finditer(s)] == [m.span() for m in plain.finditer(s)], s
        found = [(p, d.value, d.unit) for p, d in windows.windows(s)]
        standalone = [(m.start(), m.group("unit")) for m in plain.finditer(s)]
        assert [(p, u) for p, u in standalone if any(p == q for q, _, _ in found)] == standalone or not standalone, s


def test_split_shortcuts_change_nothing():
    def plain_header_side(line: str) -> str | None:
        body = line.strip().strip("*#_ ").strip()
        if not body or len(body) > 90:
            return None
        m = _split._HEADER.match(body)
        if m and (m.group("rest") is None or len(m.group("rest").split()) <= 6):
            return _split.INCLUSION if m.group("kind").lower().startswith("incl") else _split.EXCLUSION
        m = _split._HEADER_VERB.match(body) if body.endswith(":") else None
        if m:
            exclude = m.group("kind").lower() in ("excluded", "ineligible") or bool(m.group("not"))
            return _split.EXCLUSION if exclude else _split.INCLUSION
        return None

    pieces = ["Inclusion", "EXCLUSION", "criteria", ":", "- ", "1.", "(2)", "\u2460", "x", "age", "; ",
              "Non-inclusion", "cr\u0131teria", "\u0130nclusion", "inclu\u017fion", "patients are excluded", "?A"]
    for s in _texts(pieces, 18, n=4000):
        body = s.strip()
        assert _split._header_side(s) == plain_header_side(s), s
        cuts = {m.start() + 1 for m in _split._INLINE_ITEM.finditer(body)}
        if _split._CIRCLED.search(body):
            cuts.update(m.start() for m in _split._BEFORE_CIRCLED.finditer(body) if m.start() > 0)
        if not cuts:
            assert _split._inline_items(body) == [("", body)], s
