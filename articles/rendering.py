"""Markdown written by editors, turned into the safe HTML that pages print.

Rendering happens once, when a model is saved (see ``Article.save``); requests
only print the stored result.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])

# What Markdown can produce, and nothing else: raw HTML in the source is already
# escaped by the parser (html=False); the sanitiser is the second lock on the door.
_cleaner = nh3.Cleaner(
    tags={
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
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "title"},
        "ol": {"start"},
        "th": {"style"},
        "td": {"style"},
    },
    url_schemes={"http", "https", "mailto"},
    filter_style_properties={"text-align"},
    link_rel="noopener noreferrer",
)

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


def render_markdown(text):
    """Return sanitised HTML for the Markdown in ``text`` (an empty string for none)."""
    if not text or not text.strip():
        return ""
    tokens = _markdown.parse(text)
    _shift_headings(tokens)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return _cleaner.clean(html)
