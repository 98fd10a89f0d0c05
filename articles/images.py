"""Images editors upload (an article's lead image, an author's photo): checked on upload, resized once on save.

Uploads go through Django's storage API, so the files live wherever STORAGES["default"]
says (the local MEDIA_ROOT by default, object storage in a larger deployment). Each
image gets WebP renditions at a few widths, made when the model is saved, so that
pages can offer ``srcset`` with width and height and never resize on a request.
"""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 8,000 × 5,000: larger is a mistake or a decompression bomb
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
RENDITION_WIDTHS = (480, 960, 1600)


def validate_image_upload(upload):
    """An upload that is a JPEG, PNG or WebP image of at most 5 MB and 40 megapixels."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "The image is %(size)s; the limit is 5 MB. Save it smaller (a width of 2,000 pixels is plenty).",
            params={"size": filesizeformat(upload.size)},
            code="image_too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    "The image is %(width)s × %(height)s pixels, too large to use. Resize it first.",
                    params={"width": width, "height": height},
                    code="image_too_many_pixels",
                )
            image.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG or WebP.", code="not_image"
        ) from None
    finally:
        upload.seek(position)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            "%(format)s images are not accepted. Upload a JPEG, PNG or WebP.",
            params={"format": image_format},
            code="image_format",
        )


def make_renditions(field_file):
    """WebP copies of the image at each rendition width it can fill, as [{"url", "width", "height"}]."""
    if not field_file:
        return []
    field_file.open("rb")
    try:
        data = field_file.read()
    finally:
        field_file.close()
    digest = hashlib.sha256(data).hexdigest()[:16]
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        renditions = []
        widths = [w for w in RENDITION_WIDTHS if w < image.width] + [min(image.width, RENDITION_WIDTHS[-1])]
        for width in sorted(set(widths)):
            height = round(image.height * width / image.width)
            name = f"renditions/{digest}-{width}.webp"
            if not default_storage.exists(name):  # the same image saved again: its renditions are there
                buffer = io.BytesIO()
                image.resize((width, height), Image.Resampling.LANCZOS).save(buffer, "WEBP", quality=82)
                name = default_storage.save(name, ContentFile(buffer.getvalue()))
            renditions.append({"url": default_storage.url(name), "width": width, "height": height})
    return renditions


def srcset(renditions):
    """The ``srcset`` attribute's value for a list of renditions."""
    return ", ".join(f"{r['url']} {r['width']}w" for r in renditions)
