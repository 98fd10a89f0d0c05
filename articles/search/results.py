"""Showing: a page of ranked rows as results, with titles and snippets highlighted.

Snippets are made here, in Python, from the stored HTML with its tags removed, so both
databases show the same.
"""

import re
from dataclasses import dataclass
from html import unescape

import nh3
from django.utils.html import escape
from django.utils.safestring import mark_safe

from references.models import Reference

from ..rendering import CITATION_OPEN
from .query import ARTICLE, words


@dataclass
class Hit:
    kind: str
    object: object
    rank: float
    title: str
    snippet: str

    @property
    def is_article(self):
        return self.kind == ARTICLE


def hits(rows, query):
    """The page's rows as Hits, with the objects fetched in two queries and the query's words highlighted."""
    from ..models import Article

    rows = [(row["result_kind"], row["result_pk"], row["rank"]) for row in rows]
    article_ids = [pk for kind, pk, _ in rows if kind == ARTICLE]
    reference_ids = [pk for kind, pk, _ in rows if kind != ARTICLE]
    articles = Article.objects.with_snippets().in_bulk(article_ids) if article_ids else {}
    references = Reference.objects.in_bulk(reference_ids) if reference_ids else {}
    terms = words(query)
    found = []
    for kind, pk, rank in rows:
        if kind == ARTICLE:
            article = articles[pk]
            text = f"{article.summary} {_plain_text(article.body_html)}"
            found.append(Hit(kind, article, rank, highlight(article.title, terms), snippet(text, terms)))
        else:
            reference = references[pk]
            text = _plain_text(reference.ama_html) or reference.title
            found.append(Hit(kind, reference, rank, highlight(reference.title, terms), snippet(text, terms)))
    return found


# Keeps no tag at all, only their text: an HTML parser in Rust, several times as fast as Django's
# strip_tags on a long piece, which a page of results runs twenty times (bench/choices.py).
_text_only = nh3.Cleaner(tags=set())
# A citation mark, with the space before it: its "Reference 3" read out of context is
# noise in a snippet.
_CITATION_MARK = re.compile(r"\s*" + re.escape(CITATION_OPEN) + r".*?</sup>")


def _plain_text(html):
    """The text of rendered HTML, with a heading set off from the paragraph after it, and without citations."""
    html = _CITATION_MARK.sub("", re.sub(r"</h[2-6]>", ": ", html))
    return unescape(_text_only.clean(html))


def _pattern(terms):
    # A word that starts with a term, so "trial" marks "trials" as PostgreSQL's stemming finds it.
    return re.compile(r"\b(" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE) if terms else None


def highlight(text, terms):
    """``text``, escaped, with the words that start with a query term in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above


def snippet(text, terms, length=240):
    """About ``length`` characters of ``text`` around its first match, highlighted; its start if none matches."""
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    # Only a window around the match is tidied up; doing it to the whole of twenty long pieces
    # costs more than the rest of the results page.
    origin = 0 if match is None else max(0, match.start() - length)
    cut_before, cut_after = origin > 0, origin + 4 * length < len(text)
    text = re.sub(r"\s+", " ", text[origin : origin + 4 * length]).strip()
    match = pattern.search(text) if pattern else None
    start = 0 if match is None else max(0, match.start() - length // 3)
    if start or cut_before:  # begin at a word
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + length)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    piece = highlight(text[start:end], terms)
    before = "… " if start or cut_before else ""
    after = " …" if end < len(text) or cut_after else ""
    return mark_safe(before + piece + after)  # noqa: S308 - highlight escapes the text
