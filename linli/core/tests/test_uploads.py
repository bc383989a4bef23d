"""One image helper for every upload: decoded by Pillow, bounded in bytes and pixels, re-encoded
to a fresh JPEG (no script, trailing data or EXIF survives), stored under a random name with a
thumbnail, served with its image type and nosniff. And the Content-Security-Policy on every page.

The services, pages and API that use it are tested in the orders and warehouse apps
(``test_uploads.py`` there)."""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404
from PIL import Image

from linli.core import uploads
from linli.core.errors import ValidationFailed
from linli.core.testing import (
    GPS_IFD,
    TOO_LARGE,
    TOO_MANY_PIXELS,
    hostile_files,
    jpeg_bytes,
    png_bomb,
    png_bytes,
    stored_files,
    upload,
    webp_bytes,
)
from linli.core.uploads import image_clean, image_response, image_save, thumbnail_name

pytestmark = pytest.mark.usefixtures("english")


class TestImageClean:
    @pytest.mark.parametrize(("name", "data", "content_type", "message"), hostile_files())
    def test_a_hostile_or_oversized_file_is_refused_on_the_field(
        self, name, data, content_type, message
    ):
        with pytest.raises(ValidationFailed) as exc:
            image_clean(upload(name, data, content_type), "photos")
        assert exc.value.status == 422
        assert exc.value.fields == {"photos": [message]}
        assert stored_files() == []

    def test_a_file_whose_declared_size_lies_is_still_bounded(self):
        big = upload("big.jpg", jpeg_bytes() + b"\x00" * (6 * 1024 * 1024))
        big.size = 100
        with pytest.raises(ValidationFailed) as exc:
            image_clean(big, "receipt")
        assert exc.value.fields == {"receipt": [TOO_LARGE]}

    def test_the_limits_are_settings(self, settings):
        settings.LINLI_IMAGE_MAX_PIXELS = 1000
        with pytest.raises(ValidationFailed) as exc:
            image_clean(upload("a.png", png_bytes((40, 30))), "photos")
        assert exc.value.fields == {
            "photos": ["The photo has more than 0.001 million pixels; send a smaller one."]
        }
        settings.LINLI_IMAGE_MAX_PIXELS = 24_000_000
        settings.LINLI_IMAGE_MAX_BYTES = 100
        with pytest.raises(ValidationFailed):
            image_clean(upload("a.jpg", jpeg_bytes()), "photos")

    @pytest.mark.parametrize(
        "data", [jpeg_bytes(), png_bytes(), png_bytes(mode="L"), webp_bytes()], ids=str
    )
    def test_jpeg_png_and_webp_are_accepted_and_become_a_jpeg(self, data):
        clean = image_clean(upload("photo", data, "application/octet-stream"), "photos")
        for blob in (clean.data, clean.thumbnail):
            with Image.open(io.BytesIO(blob)) as image:
                assert image.format == "JPEG" and image.mode == "RGB"

    def test_a_jpeg_with_gps_exif_and_a_script_comment_is_reencoded_without_them(self):
        original = jpeg_bytes(
            (64, 48), gps=True, orientation=6, comment=b"<script>alert(1)</script>"
        )
        with Image.open(io.BytesIO(original)) as image:
            assert image.getexif().get_ifd(GPS_IFD)  # the test's file does carry GPS
        clean = image_clean(upload("IMG_0001.JPG", original + b"<script>trailing</script>"), "p")
        assert b"<script>" not in clean.data and b"Exif" not in clean.data
        with Image.open(io.BytesIO(clean.data)) as image:
            assert not image.getexif() and "exif" not in image.info
            assert "comment" not in image.info
            assert image.size == (48, 64)  # orientation 6 applied: portrait, as taken
            left, right = image.getpixel((24, 5)), image.getpixel((24, 60))
            assert left[0] > left[2] and right[2] > right[0]  # the red half is now on top

    def test_a_large_photo_is_kept_readable_but_bounded_and_the_thumbnail_is_small(self):
        clean = image_clean(upload("a.jpg", jpeg_bytes((4000, 3000))), "photos")
        assert max(clean.width, clean.height) == 2560
        with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
            assert thumb.size == (320, 240)


class TestDecodingIsBounded:
    def test_a_photo_over_24_million_pixels_is_refused_with_the_clear_message(self):
        assert django_settings.LINLI_IMAGE_MAX_PIXELS == 24_000_000  # the default
        with pytest.raises(ValidationFailed) as exc:
            image_clean(upload("25mp.png", png_bomb(5000, 5000), "image/png"), "photos")
        assert exc.value.fields == {"photos": [TOO_MANY_PIXELS]}
        assert "24 million" in TOO_MANY_PIXELS

    def test_a_large_jpeg_is_decoded_at_a_reduced_scale(self, monkeypatch):
        decoded = []

        def spy(image):
            result = real_decode(image)
            decoded.append(result.size)
            return result

        real_decode = uploads._decode
        monkeypatch.setattr(uploads, "_decode", spy)
        clean = image_clean(upload("a.jpg", jpeg_bytes((6000, 4000))), "photos")
        assert decoded == [(3000, 2000)]  # libjpeg's 1/2 scale still covers 2560 × 1707
        assert (clean.width, clean.height) == (2560, 1707)

    def test_a_png_is_decoded_in_full_and_still_shrunk(self, monkeypatch):
        decoded = []
        real_decode = uploads._decode
        monkeypatch.setattr(
            uploads, "_decode", lambda image: decoded.append(1) or real_decode(image)
        )
        clean = image_clean(upload("a.png", png_bytes((3000, 200), mode="RGB")), "photos")
        assert decoded == [1] and (clean.width, clean.height) == (2560, 171)

    @pytest.mark.parametrize("mode", ["1", "P", "LA"])
    def test_one_bit_palette_and_grey_images_become_an_rgb_jpeg_on_white(self, mode):
        image = Image.new(mode, (3000, 40))
        if mode == "P":
            image.putpalette([200, 0, 0] * 256)
        out = io.BytesIO()
        image.save(out, "PNG")
        clean = image_clean(upload("a.png", out.getvalue(), "image/png"), "photos")
        assert (clean.width, clean.height) == (2560, 34)
        with Image.open(io.BytesIO(clean.data)) as stored:
            assert stored.mode == "RGB"
            pixel = stored.getpixel((1280, 17))
        expected = {"1": (0, 0, 0), "P": (200, 0, 0), "LA": (255, 255, 255)}[mode]
        assert all(abs(a - b) < 8 for a, b in zip(pixel, expected, strict=True)), pixel


def file_field() -> FieldFile:
    """An empty file field of a stand-in record (core knows no feature app's models)."""
    field = models.FileField(upload_to="photos/%Y/%m/")
    field.set_attributes_from_name("image")
    return FieldFile(SimpleNamespace(), field, None)


class TestStoringAndServing:
    def test_it_is_stored_under_a_random_name_with_the_jpg_extension_and_a_thumbnail(self):
        field = file_field()
        image_save(field, image_clean(upload("../../x.html", jpeg_bytes()), "photos"))
        name = field.name
        assert re.fullmatch(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name), name
        assert "x.html" not in name
        assert default_storage.exists(name) and default_storage.exists(thumbnail_name(name))
        assert sorted(p.name for p in stored_files()) == sorted(
            [Path(name).name, Path(thumbnail_name(name)).name]
        )

    def test_it_is_served_with_its_image_type_nosniff_and_our_download_name(self):
        field = file_field()
        image_save(field, image_clean(upload("a.png", png_bytes()), "photos"))
        for thumbnail in (False, True):
            response = image_response(field, "photo-7", thumbnail=thumbnail)
            assert response["Content-Type"] == "image/jpeg"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Disposition"] == 'inline; filename="photo-7.jpg"'
            body = b"".join(response.streaming_content)
            with Image.open(io.BytesIO(body)) as image:
                assert image.format == "JPEG" and image.size == (40, 30)

    def test_a_file_stored_before_under_a_name_that_is_not_an_image_is_never_served(self):
        field = file_field()
        field.save("x.html", ContentFile(b"<script>alert(1)</script>"), save=False)
        with pytest.raises(Http404):
            image_response(field, "photo-1")
