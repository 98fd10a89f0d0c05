"""Markdown written by editors, turned into the safe HTML that pages print.

Article bodies may cite references by key, as Pandoc and most academic tools
write it: ``[@younger2009]``, ``[@younger2009; @younger2013]``,
``[@younger2009, p. 665]``. Each becomes a numbered superscript link; numbers
follow the order in which the text first cites each work.

Rendering happens once, when a model is saved (see ``Article.save``); requests
only print the stored result.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin

import nh3
from django.utils.html import escape, format_html
from django.utils.text import slugify
from markdown_it import MarkdownIt

from references.models import CITATION_KEY_PATTERN

_CITATION_ITEM = rf"\s*@{CITATION_KEY_PATTERN}\s*(?:,[^;\[\]\n]*)?"
_CITATION = re.compile(rf"\[({_CITATION_ITEM}(?:;{_CITATION_ITEM})*)\]")
_CITATION_PART = re.compile(rf"\s*@({CITATION_KEY_PATTERN})\s*(?:,([^;\[\]\n]*))?")


def _citation_rule(state, silent):
    """Inline rule: ``[@key, locator; @key]`` becomes one ``citation`` token."""
    if not state.src.startswith("[@", state.pos) and not state.src.startswith("[ ", state.pos):
        return False
    match = _CITATION.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        parts = [_CITATION_PART.match(part) for part in match.group(1).split(";")]
        token.meta = {
            "items": [(part.group(1), (part.group(2) or "").strip()) for part in parts],
            "source": match.group(0),
        }
    state.pos = match.end()
    return True


# How a citation mark starts in the rendered text (search snippets leave the marks out). The word
# joiner (U+2060) forbids a line break on either side of it, so the mark never starts a line alone.
CITATION_OPEN = '\u2060<sup class="citation">'


def _render_citation(self, tokens, idx, options, env):
    numbers, seen = env.get("citation_numbers", {}), env.setdefault("citation_seen", Counter())
    if any(key not in numbers for key, _ in tokens[idx].meta["items"]):
        return escape(tokens[idx].meta["source"])  # not a citation this text can resolve: leave it as written
    links = []
    for key, locator in tokens[idx].meta["items"]:
        seen[key] += 1
        number = numbers[key]
        link = format_html(
            '<a href="#ref-{0}" id="cite-{0}-{1}"><span class="visually-hidden">Reference </span>{0}</a>',
            number,
            seen[key],
        )
        if locator:
            link += format_html('<span class="citation__locator">({})</span>', locator)
        links.append(link)
    return CITATION_OPEN + ",".join(links) + "</sup>"


_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])
_article_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])
_article_markdown.inline.ruler.before("link", "citation", _citation_rule)
_article_markdown.add_render_rule("citation", _render_citation)

# What Markdown can produce, and nothing else: raw HTML in the source is already
# escaped by the parser (html=False); the sanitiser is the second lock on the door.
_ALLOWED = {
    "tags": {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "s",
        "sup",
        "sub",
        "span",
        "blockquote",
        "ul",
        "ol",
        "li",
        "code",
        "pre",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    },
    "attributes": {
        "a": {"href", "title", "id"},
        "h2": {"id"},
        "sup": {"class"},
        "span": {"class"},
        "img": {"src", "alt", "title"},
        "ol": {"start"},
        "th": {"style"},
        "td": {"style"},
    },
    "url_schemes": {"http", "https", "mailto"},
    "filter_style_properties": {"text-align"},
}
_cleaner = nh3.Cleaner(**_ALLOWED, link_rel="noopener noreferrer")

# Words only screen readers hear on the site ("Reference 1"); an e-mail client cannot hide them.
_HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')


def for_email(html, page_url):
    """Rendered HTML as an e-mail carries it: every link absolute (a reference mark goes to the numbered
    reference on the piece's page), and no words that only the site's stylesheet hides."""

    def absolute(tag, attribute, value):
        if attribute in ("href", "src"):
            return urljoin(page_url, value)
        return value

    return nh3.Cleaner(**_ALLOWED, attribute_filter=absolute, link_rel=None).clean(_HIDDEN.sub("", html))


TOP_HEADING_LEVEL = 2  # the page's own title is the h1


def _shift_headings(tokens):
    """Renumber headings so the highest one in the text becomes an h2.

    An editor may start sections with ``#`` or with ``##``; either way the page
    keeps a single h1 and no skipped levels at the top.
    """
    levels = [int(token.tag[1]) for token in tokens if token.type == "heading_open"]
    if not levels:
        return
    shift = TOP_HEADING_LEVEL - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def _render(markdown, text, env):
    tokens = markdown.parse(text, env)
    _shift_headings(tokens)
    return tokens, lambda: _cleaner.clean(markdown.renderer.render(tokens, markdown.options, env))


def render_markdown(text):
    """Return sanitised HTML for the Markdown in ``text`` (an empty string for none)."""
    if not text or not text.strip():
        return ""
    _tokens, render = _render(_markdown, text, {})
    return render()


@dataclass
class RenderedBody:
    """An article body as HTML, with the keys it cites in order of first citation and how often each,
    and its sections: an {"id", "title"} for each top-level heading, in order, for the table of contents."""

    html: str = ""
    cited_keys: list[str] = field(default_factory=list)
    times_cited: Counter = field(default_factory=Counter)
    sections: list[dict] = field(default_factory=list)


SECTION_PREFIX = "section-"  # keeps a heading's id apart from the page's own (ref-1, cite-1-1, main…)


def _name_sections(tokens):
    """Give each top-level heading an id made from its words, unique in the text; return the sections."""
    sections, taken = [], set()
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type != "heading_open" or opening.tag != f"h{TOP_HEADING_LEVEL}":
            continue
        title = " ".join(
            "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline")).split()
        )
        if not title:
            continue  # an empty heading has nothing to list
        base = SECTION_PREFIX + (slugify(title)[:60].strip("-") or "part")
        section_id, number = base, 1
        while section_id in taken:
            number += 1
            section_id = f"{base}-{number}"
        taken.add(section_id)
        opening.attrSet("id", section_id)
        sections.append({"id": section_id, "title": title})
    return sections


def render_article_body(text):
    """Render an article body, numbering its citations by first appearance."""
    if not text or not text.strip():
        return RenderedBody()
    env = {}
    tokens, render = _render(_article_markdown, text, env)
    times_cited = Counter()
    for token in tokens:
        for child in token.children or ():
            if child.type == "citation":
                times_cited.update(key for key, _ in child.meta["items"])
    cited_keys = list(times_cited)  # a Counter keeps first-seen order
    env["citation_numbers"] = {key: number for number, key in enumerate(cited_keys, 1)}
    sections = _name_sections(tokens)
    return RenderedBody(html=render(), cited_keys=cited_keys, times_cited=times_cited, sections=sections)
