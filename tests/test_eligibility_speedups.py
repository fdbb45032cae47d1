"""The shortcuts of the eligibility engine give what the straightforward forms they replace give."""
import importlib
import random
import re

from adapter.eligibility import comparators, lexicon, negation, scores, values, windows

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
    def plain(low: str, measurable: bool) -> list[lexicon.Mention]:
        index, tokens = lexicon._index(measurable), lexicon.Tokens(low)
        words, out, after_last = tokens.words, [], 0
        for i, w in enumerate(words):
            if i < after_last:
                continue
            for n in range(lexicon.MAX_TERM_TOKENS, 0, -1):
                found = index.get(tuple(words[i:i + n])) if n <= len(words) - i else None
                if found:
                    start, end = tokens.start(i), tokens.end(i + n - 1)
                    out.append(lexicon.Mention(lexicon.concepts()[found[0]], start, end, low[start:end], found[1]))
                    after_last = i + n
                    break
        return out

    terms = sorted({t for idx in (lexicon._index(True), lexicon._index(False)) for toks in idx for t in toks})
    rnd = random.Random(12)
    pieces = rnd.sample(terms, 300) + ["a", "the", "of", "x", "1", "history", "blood", "pressure", "platelet", "/",
                                       "ratio", "to", "pao2", "fio2", "bun", "creatinine"]
    for s in _texts(pieces, 13, n=3000):
        low = s.lower()
        # one scan finds both; the measurable mentions then have their ratios merged
        measurable, clinical = lexicon.find_mentions(low, lexicon.Tokens(low))
        assert clinical == plain(low, False), s
        assert measurable == lexicon._merge_ratios(plain(low, True), low), s


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
    for s in _texts(vocab + ["<", ">", "=", ":", "x", "1", "the", "age", "\n"], 15, n=4000):
        plain = next(((op, rx.search(s[-48:])) for op, _, rx in comparators._PREFIX if rx.search(s[-48:])), None)
        op, _ = comparators.prefix(s)
        assert op == (plain[0] if plain else None), s
        # each op's comparators read backwards match the reversed text exactly when a search finds one ending it
        for _, ends, forward in comparators._PREFIX:
            assert bool(ends.match(s[::-1])) == bool(forward.search(s)), s


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
    def plain_negated(low: str, start: int, end: int) -> bool:
        origin = max(0, start - 60)
        near = negation._EITHER.sub(lambda m: " " * len(m.group(0)), low[origin:end])
        left = plain_scope(near, start - origin)
        count = len(negation._CUE.findall(left)) + len(negation._NEGATIVE.findall(left)) + bool(negation._NON.search(left))
        return (count + bool(negation._AFTER.match(low, end, end + 60))) % 2 == 1

    pieces += ["non", "non-", "with or without", "n't", "x no", "other than", "lacking", "."]
    for s in _texts(pieces, 16, n=4000, most=12):
        for start in range(0, len(s) + 1, 3):
            assert negation._scope(s, start) == plain_scope(s, start), (s, start)
            assert negation._negated_after(s, start) == bool(negation._AFTER.match(s, start, start + 60)), (s, start)
            for end in (start, start + 1, start + 6):
                assert negation.negated(s, start, end) == plain_negated(s, start, end), (s, start, end)


def test_windows_are_found_as_the_plain_pattern_finds_them():
    plain = re.compile(r"\b(?:within|in\s+the\s+(?:last|past|previous)|during\s+the\s+(?:last|past|previous)|"
                       r"over\s+the\s+(?:last|past|previous))\s+(?:the\s+)?(?:last\s+|past\s+|previous\s+)?"
                       r"(?:(?P<num>\d+(?:\.\d+)?|" + "|".join(values.WORD_NUMBERS) + r")\s*)?" + windows._UNIT + r"\b")
    plain_before = re.compile(r"\b(?:within|in|during|over|for)\s+(?:the\s+)?(?:last|past|previous|preceding|prior|"
                              r"recent|first)?\s*(?:\(?" + windows._NUM + r"\)?\s*)?$")
    plain_since = re.compile(r"\b(?:within|during|for|since|after)\s+(?:the\s+)?(?:last|past|previous)?\s*$")
    pieces = ["within", "in", "the", "last", "past", "previous", "during", "over", "6", "six", "months", "weeks",
              "d", "xwithin", "prior to", "before", "3", "x3", "2.5", "for", "since", "after", "eighteen", "a", "("]
    for s in _texts(pieces, 17, n=4000):
        assert [m.span() for m in windows._STANDALONE.finditer(s)] == [m.span() for m in plain.finditer(s)], s
        for fast, slow in ((windows._BEFORE, plain_before), (windows._SINCE_BEFORE, plain_since)):
            assert [m.span() for m in fast.finditer(s)] == [m.span() for m in slow.finditer(s)], s
            assert [m.groupdict() for m in fast.finditer(s)] == [m.groupdict() for m in slow.finditer(s)], s
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
        assert _split._header_side(s.strip()) == plain_header_side(s), s
        cuts = {m.start() + 1 for m in _split._INLINE_ITEM.finditer(body)}
        # _inline_items looks for a stop only before the last character
        assert all(c < len(body) for c in cuts), s
        if _split._CIRCLED.search(body):
            cuts.update(m.start() for m in _split._BEFORE_CIRCLED.finditer(body) if m.start() > 0)
        if not cuts:
            assert _split._inline_items(body) == [("", body)], s


def test_score_patterns_find_what_their_plain_forms_find():
    roman = r"(?:iv|v|i{1,3})"
    plain_roman = re.compile(r"(?<![\w/])(?P<a>" + roman + r")\b(?:\s*(?P<sep>-|to|through|or|and|/|,)\s*"
                             r"(?:(?:class|grade)\s+)?(?P<b>" + roman + r")\b(?:\s*(?:,\s*or|,\s*and|,|or|and|/)\s*"
                             r"(?P<c>" + roman + r")\b)?)?")
    plain_digits = re.compile(r"(?<![\w.])(?P<a>\d)\s*(?:,|or|and|/)\s*(?P<b>\d)(?:\s*,?\s*(?:,|or|and|/)\s*"
                              r"(?P<c>\d))?(?!\w)(?!\.\d)(?!\s*(?:-|to)\s*\d)")
    pieces = ["i", "ii", "iii", "iv", "v", "vi", "x", "-", "to", "or", "and", "/", ",", "class", "grade", "1", "2", ".",
              "nyha", "\u0661"]
    for s in _texts(pieces, 20, n=5000):
        for fast, slow in ((scores._ROMAN_RX, plain_roman), (scores._DIGIT_LIST, plain_digits)):
            assert [(m.span(), m.groupdict()) for m in fast.finditer(s)] == \
                [(m.span(), m.groupdict()) for m in slow.finditer(s)], s
