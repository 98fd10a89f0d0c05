"""Markdown to safe HTML: what editors write renders, what attackers write does not run."""

from articles.rendering import render_markdown


def test_markdown_renders_emphasis_lists_and_links():
    html = render_markdown("Pain fell by **48.5%**.\n\n- one\n- two\n\n[Study](https://doi.org/10.1002/art.37734)")
    assert "<strong>48.5%</strong>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://doi.org/10.1002/art.37734" rel="noopener noreferrer">Study</a>' in html


def test_top_heading_becomes_h2_so_the_page_keeps_one_h1():
    assert render_markdown("# Methods\n\n## Sample").startswith("<h2>Methods</h2>\n<h3>Sample</h3>")


def test_text_that_starts_at_h2_keeps_its_levels():
    assert "<h2>Results</h2>" in render_markdown("## Results\n\n### Pain")
    assert "<h3>Pain</h3>" in render_markdown("## Results\n\n### Pain")


def test_raw_html_is_shown_as_text_not_run():
    html = render_markdown('<script>alert("x")</script><img src=x onerror=alert(1)>')
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_lose_their_target():
    html = render_markdown("[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)")
    assert 'href="javascript' not in html
    assert 'href="data' not in html


def test_tables_keep_alignment_but_no_other_style():
    html = render_markdown("| a | b |\n|--:|---|\n| 1 | 2 |")
    assert '<th style="text-align:right">a</th>' in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


def test_a_citation_mark_cannot_be_wrapped_apart_from_the_word_before_it(make_reference):
    """A word joiner (U+2060) forbids a line break on either side: the superscript never starts a line."""
    from articles.rendering import render_article_body

    make_reference(key="younger2013")
    for body in ("Sleep did not change.[@younger2013]", "Sleep did not change [@younger2013]."):
        html = render_article_body(body).html
        assert '\u2060<sup class="citation">' in html, body


def test_pieces_saved_before_keep_their_marks_with_their_words(make_article, make_reference):
    import importlib

    from django.apps import apps

    from articles.models import Article

    make_reference(key="younger2009")
    article = make_article(body="Pain fell.[@younger2009]")
    Article.objects.filter(pk=article.pk).update(body_html=article.body_html.replace("\u2060", ""))
    importlib.import_module("articles.migrations.0013_citation_marks_keep_their_word").join_marks(apps, None)
    article.refresh_from_db()
    assert article.body_html.count('\u2060<sup class="citation">') == 1


def test_each_section_of_a_piece_gets_an_id_from_its_words_for_the_table_of_contents():
    from articles.rendering import render_article_body

    rendered = render_article_body(
        "# What the trial did\n\nText.\n\n## Who took part\n\n# Side effects\n\n# Side effects\n\n"
        "# Side effects 2\n\n# <script>x()</script> `4.5 mg` *at night*\n\n# \n\n# Ναλτρεξόνη"
    )
    assert rendered.sections == [
        {"id": "section-what-the-trial-did", "title": "What the trial did"},
        {"id": "section-side-effects", "title": "Side effects"},
        {"id": "section-side-effects-2", "title": "Side effects"},
        {"id": "section-side-effects-2-2", "title": "Side effects 2"},
        {"id": "section-scriptxscript-45-mg-at-night", "title": "<script>x()</script> 4.5 mg at night"},
        {"id": "section-part", "title": "Ναλτρεξόνη"},
    ]
    ids = [section["id"] for section in rendered.sections]
    assert len(set(ids)) == len(ids)
    for section_id in ids:
        assert rendered.html.count(f'<h2 id="{section_id}">') == 1
    assert "<h3>Who took part</h3>" in rendered.html  # only the top level is listed
    assert "<script>" not in rendered.html
