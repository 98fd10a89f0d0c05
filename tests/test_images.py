"""Uploaded images: refused when not images or too large, alt text required, resized once, served with sizes."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import validate_image_upload
from articles.models import Article, Author

from .test_admin import article_form


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_file(name="lead.png", size=(2000, 1000), fmt="PNG", colour="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_an_uploaded_lead_image_gets_renditions_and_is_shown_with_its_size(admin_client, client, make_article):
    article = make_article(authors=[], slug="with-image")
    url = f"/admin/articles/article/{article.pk}/change/"
    opened = admin_client.get(url).content.decode().split('name="opened_revision" value="')[1].split('"')[0]
    data = article_form(slug="with-image", status="published", opened_revision=opened)
    data |= {
        "lead_image": image_file(),
        "lead_image_alt": "A teal rectangle",
        "published_at_0": "2020-01-01",
        "published_at_1": "09:00",
    }
    assert admin_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert [(r["width"], r["height"]) for r in article.lead_image_renditions] == [(480, 240), (960, 480), (1600, 800)]
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'width="480" height="240" alt="A teal rectangle" loading="lazy"' in html
    assert "960w" in html and "1600w" in html


def test_a_small_image_is_not_enlarged(make_article):
    article = make_article(lead_image=image_file(size=(300, 200)), lead_image_alt="Small")
    assert [(r["width"], r["height"]) for r in article.lead_image_renditions] == [(300, 200)]


def test_saving_again_reuses_the_renditions(make_article, media):
    article = make_article(lead_image=image_file(), lead_image_alt="x")
    files = sorted(p.name for p in (media / "renditions").iterdir())
    article.title = "Renamed"
    article.save()
    assert sorted(p.name for p in (media / "renditions").iterdir()) == files


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png"), "not an image we can read"),
        (image_file("anim.gif", fmt="GIF"), "GIF images are not accepted"),
        (image_file("huge.png", size=(9000, 9000)), "too large to use"),
        (SimpleUploadedFile("big.jpg", b"\xff" * (5 * 1024 * 1024 + 1)), "the limit is 5 MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(upload, message):
    with pytest.raises(ValidationError, match=message):
        validate_image_upload(upload)


def test_a_bad_upload_in_the_admin_is_a_form_error_and_saves_nothing(admin_client):
    data = article_form(slug="bad-upload") | {
        "lead_image": SimpleUploadedFile("x.png", b"nope", content_type="image/png"),
        "lead_image_alt": "x",
    }
    response = admin_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode() or "not an image" in response.content.decode()
    assert not Article.objects.filter(slug="bad-upload").exists()


def test_alt_text_is_required_with_an_image(make_article):
    article = Article(title="t", slug="t", summary="d", lead_image="articles/x.png")
    with pytest.raises(ValidationError) as caught:
        article.full_clean(exclude=["lead_image"])
    assert "Describe the image" in caught.value.message_dict["lead_image_alt"][0]
    author = Author(name="n", slug="n", photo="authors/x.png")
    with pytest.raises(ValidationError) as caught:
        author.full_clean(exclude=["photo"])
    assert "Describe the photo" in caught.value.message_dict["photo_alt"][0]


def test_an_author_photo_is_shown_on_their_page(client, make_article, make_author):
    author = make_author(
        name="Pat Photo",
        slug="pat",
        photo=image_file("pat.jpg", size=(800, 800), fmt="JPEG"),
        photo_alt="Pat Photo at a lectern",
    )
    make_article(authors=[author])
    html = client.get("/authors/pat/").content.decode()
    assert 'alt="Pat Photo at a lectern" loading="lazy"' in html and "480w" in html


def test_removing_the_image_removes_its_renditions(make_article):
    article = make_article(lead_image=image_file(), lead_image_alt="x")
    article.lead_image = None
    article.save()
    article.refresh_from_db()
    assert article.lead_image_renditions == []
