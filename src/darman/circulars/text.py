"""One normalisation of Persian text for indexing and for queries alike (pure).

Built on ``common.persian`` (Arabic yeh/kaf to Persian, diacritics and bidi marks out),
it goes further for search: every digit script to ASCII, tatweel and the remaining
Quranic marks out, punctuation to spaces, and the zero-width non-joiner resolved so that
"می‌شود", "می شود" and "میشود" are one word. The non-joiner is dropped (joining the two
parts), and a prefix written apart ("می", "نمی", "بی") is joined to the word after it, a
suffix written apart ("ها", "های", "تر", "ترین", ...) to the word before it. A document
and a query go through the same function, so they meet whichever way either was typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from darman.common.persian import normalize_text, to_ascii_digits

ZWNJ = "\u200c"
# marks that ``normalize_text`` keeps but search must not see: tatweel, superscript
# alef, madda/hamza above and below, small Quranic marks
_MARKS = dict.fromkeys(
    [0x0640, 0x0670, 0x0653, 0x0654, 0x0655, *range(0x06D6, 0x06EE), *range(0x0610, 0x061B)],
    None,
)
_MARKS.update({ord("أ"): "ا", ord("إ"): "ا", ord("ٱ"): "ا", ord("ؤ"): "و", ord("ئ"): "ی"})
_NOT_WORD = re.compile(r"[^\w\u200c]+")
PREFIXES = frozenset({"می", "نمی", "بی"})
SUFFIXES = frozenset(
    {"ها", "های", "هایی", "هایش", "هایشان", "هایمان", "تر", "ترین", "تری", "ای", "اند", "ام"}
)


def _letters(text: str) -> str:
    return to_ascii_digits(normalize_text(text).translate(_MARKS)).lower()


def _join(words: list[str]) -> list[str]:
    out: list[str] = []
    glue_next = False
    for word in words:
        if (glue_next and out) or (word in SUFFIXES and out):
            out[-1] += word
        else:
            out.append(word)
        glue_next = word in PREFIXES
    return out


def words(text: str) -> list[str]:
    """The search words of ``text``, in order, each in its one canonical form."""
    raw = _NOT_WORD.sub(" ", _letters(text)).replace("_", " ")
    parts = [w.replace(ZWNJ, "") for w in raw.split()]
    return _join([w for w in parts if w])


def normalize(text: str) -> str:
    """``text`` as stored for indexing and as sent as a query: its words joined by spaces."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Span:
    """A stretch of the original text, by character offsets."""

    start: int
    end: int


_RAW_WORD = re.compile(r"[\w\u200c\u064b-\u065f\u0640\u0670]+")


@lru_cache(maxsize=65_536)
def _form(token: str) -> str:
    """One written token's canonical form (its words joined; a token is one word unless it
    held punctuation-like marks)."""
    return "".join(words(token))


def _found(text: str, terms: set[str]) -> Iterator[Span]:
    """``matches`` one at a time, reading the text only as far as asked."""
    tokens = ((m.start(), m.end(), _form(m.group())) for m in _RAW_WORD.finditer(text))
    here = next(tokens, None)
    while here is not None:
        start, end, form = here
        after = next(tokens, None)
        if after is not None:
            n_start, n_end, n_form = after
            joins = form in PREFIXES or n_form in SUFFIXES
            if joins and text[end:n_start].strip() == "" and form + n_form in terms:
                yield Span(start, n_end)
                here = next(tokens, None)
                continue
        if form in terms:
            yield Span(start, end)
        here = after


def matches(text: str, terms: set[str]) -> list[Span]:
    """Where in the original ``text`` the normalised ``terms`` occur.

    A term may stand for two written words ("می شود" for "میشود"): a prefix written apart
    is tried with the word after it, a word with the suffix written after it."""
    return list(_found(text, terms))


def passage(text: str, query: str, *, width: int = 160) -> tuple[str, list[Span]]:
    """The stretch of ``text`` around the first match of ``query``, at most about
    ``width`` characters, and the matches inside it (offsets into the stretch). The text's
    start and no spans when nothing matches."""
    found = _found(text, set(words(query)))
    first = next(found, None)
    if first is None:
        return text[:width], []
    start = max(0, first.start - width // 3)
    space = text.rfind(" ", 0, start)
    start = space + 1 if start > 0 and space >= 0 else start
    end = min(len(text), start + width)
    # the text is read no further than the stretch shown
    inside = [first]
    for span in found:
        if span.end > end:
            break
        inside.append(span)
    return text[start:end], [Span(s.start - start, s.end - start) for s in inside if s.end <= end]
