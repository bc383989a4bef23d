"""Uploaded images (a handout's receipt, a service order's check-out photos), in one place.

Every image a user uploads goes through :func:`image_clean` before anything is stored: Pillow
decodes it (JPEG, PNG or WebP only; the name and the browser's content type are ignored), its byte
size and pixel count are bounded (``LINLI_IMAGE_MAX_BYTES``, ``LINLI_IMAGE_MAX_PIXELS``; the pixel
count is read from the header, before the pixels are decoded), the EXIF orientation is applied and
the pixels are re-encoded to a fresh JPEG: scripts, trailing data, comments and EXIF (GPS included)
do not survive. :func:`image_save` stores it under a random name ending in ``.jpg`` with a
320-pixel thumbnail beside it; :func:`image_response` serves either with its image type,
``nosniff`` and a safe download name. Decoding takes up to a second: services clean uploads
before they open their database transaction and save them inside it. See docs/security.md.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

from linli.core.errors import ValidationFailed

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
STORED_EXTENSION = ".jpg"
THUMB_SUFFIX = ".thumb.jpg"
THUMB_SIDE = 320
# A stored photo is at most this many pixels on its long side (a receipt stays readable).
MAX_SIDE = 2560
JPEG_QUALITY = 85
# At most this many characters of an uploaded file's name are shown in a refusal.
NAME_SHOWN = 40
# What the serving views hand out, by the stored name's extension (anything else: 404).
SERVED_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}

# A truncated file is an error, never half an image.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class CleanImage:
    """A decoded and re-encoded upload, still in memory: nothing is stored yet."""

    data: bytes  # the JPEG
    thumbnail: bytes  # the JPEG thumbnail
    width: int
    height: int


def image_clean(upload, field: str, *, index: int | None = None) -> CleanImage:
    """Decode ``upload`` and re-encode it, or refuse it (422 on ``field``) with a clear message.

    Accepts a JPEG, PNG or WebP of at most ``LINLI_IMAGE_MAX_BYTES`` bytes and
    ``LINLI_IMAGE_MAX_PIXELS`` pixels; only the first frame of an animation is kept. With
    ``index`` (the photo's place, from 1, among several), the message names the photo by its place
    and its uploaded name ("Photo 2 (IMG_1234.jpg): …") so the sender knows which one to change;
    the name is only shown (escaped like any text), never used for storage."""

    def _refuse(field: str, message: str) -> ValidationFailed:
        if index is not None:
            message = _photo_named(index, getattr(upload, "name", "") or "", message)
        return ValidationFailed(message, fields={field: [message]})

    max_bytes = settings.LINLI_IMAGE_MAX_BYTES
    max_pixels = settings.LINLI_IMAGE_MAX_PIXELS
    not_an_image = _("The photo must be a JPEG, PNG or WebP image.")
    if (upload.size or 0) > max_bytes:
        raise _refuse(
            field,
            _("The photo is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)},
        )
    upload.seek(0)
    raw = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(raw) > max_bytes:  # the declared size lied
        raise _refuse(
            field,
            _("The photo is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)},
        )
    try:
        image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise _refuse(field, _too_many_pixels(max_pixels)) from None
    except Exception:  # Pillow raises many kinds on hostile input; none may become a 500
        raise _refuse(field, not_an_image) from None
    with image:
        if image.format not in ACCEPTED_FORMATS:
            raise _refuse(field, not_an_image)
        width, height = image.size
        if width < 1 or height < 1:
            raise _refuse(field, not_an_image)
        if width * height > max_pixels:  # from the header: nothing decoded yet
            raise _refuse(field, _too_many_pixels(max_pixels))
        try:
            return _reencode(image)
        except Image.DecompressionBombError:
            raise _refuse(field, _too_many_pixels(max_pixels)) from None
        except Exception:  # truncated, corrupt, or a decoder's complaint
            raise _refuse(
                field, _("The photo cannot be read: the file is damaged or incomplete.")
            ) from None


# EXIF orientation → the transpose that shows the photo as taken (as ``ImageOps.exif_transpose``).
ORIENTATION_TAG = 0x0112
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down (aspect kept) to fit a ``side`` × ``side`` box; unchanged if it does."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(image: Image.Image) -> Image.Image:
    """Decode the pixels. A JPEG larger than the stored size is decoded by libjpeg at the
    smallest scale (1/2, 1/4 or 1/8) that still covers it: a 6000 × 4000 photo is decoded at
    3000 × 2000, a quarter of the memory and work. The caller must not hold a database
    transaction (services clean uploads before they open theirs)."""
    if image.format == "JPEG":
        image.draft("RGB", _fit(image.size, MAX_SIDE))
    image.load()
    return image


def _reencode(image: Image.Image) -> CleanImage:
    # Memory: the decoded image (1 byte a pixel for 1-bit, grey and palette images, 4 for any
    # other mode) plus at most one full-size working copy in 1 or 4 bytes a pixel (and Pillow's
    # premultiplied copy while an image with transparency is shrunk); everything after the
    # shrink is at most 2560 px a side. See docs/security.md.
    decoded = _decode(image)
    try:
        orientation = decoded.getexif().get(ORIENTATION_TAG)
    except Exception:  # unreadable EXIF: keep the pixels as they are (the EXIF is dropped anyway)
        orientation = None
    transparent = decoded.mode in ("RGBA", "LA", "PA") or (
        decoded.mode == "P" and "transparency" in decoded.info
    )
    if transparent:
        work = decoded if decoded.mode in ("RGBA", "LA") else decoded.convert("RGBA")
    elif decoded.mode == "1":
        work = decoded.convert("L")  # still 1 byte a pixel, and it can be resampled smoothly
    elif decoded.mode in ("L", "RGB"):
        work = decoded
    else:  # palette, CMYK, 16-bit grey, …
        work = decoded.convert("RGB")
    # Shrink first (in the compact mode), then orient and flatten the small image.
    work.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if orientation in TRANSPOSE:
        work = work.transpose(TRANSPOSE[orientation])
    if transparent:
        rgba = work.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = work.convert("RGB")
    # A fresh image: no info dict (comments, EXIF, XMP, ICC) carries over into the encoder.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return CleanImage(
        data=_jpeg(clean), thumbnail=_jpeg(thumb), width=clean.width, height=clean.height
    )


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _photo_named(index: int, name: str, message: str) -> str:
    # the browser's name, shortened and without control characters: only ever shown as text
    name = "".join(c for c in name if c.isprintable()).strip()
    if len(name) > NAME_SHOWN:
        name = name[: NAME_SHOWN - 1] + "…"
    if not name:
        return _("Photo %(n)d: %(reason)s") % {"n": index, "reason": message}
    return _("Photo %(n)d (%(name)s): %(reason)s") % {"n": index, "name": name, "reason": message}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _too_many_pixels(max_pixels: int) -> str:
    return _("The photo has more than %(mp)s million pixels; send a smaller one.") % {
        "mp": f"{max_pixels / 1_000_000:g}"
    }


def image_save(file_field, image: CleanImage) -> None:
    """Store ``image`` in ``file_field`` (a ``FieldFile``, not saved to the database here) under
    a random name with a ``.jpg`` extension, and its thumbnail beside it. Call it last in a
    service, once every check has passed: a refused upload leaves no file behind."""
    file_field.save(secrets.token_hex(16) + STORED_EXTENSION, ContentFile(image.data), save=False)
    file_field.storage.save(thumbnail_name(file_field.name), ContentFile(image.thumbnail))


def thumbnail_name(name: str) -> str:
    stem, _dot, _ext = name.rpartition(".")
    return (stem or name) + THUMB_SUFFIX


def image_response(file_field, download_name: str, *, thumbnail: bool = False) -> FileResponse:
    """Serve a stored upload inline with its image type, ``nosniff`` and ``download_name`` plus
    the stored extension (no user input in it, e.g. ``receipt-12``). A file whose name is not an
    image's (stored before uploads were re-encoded) is never served: 404."""
    if not file_field:
        raise Http404
    name = file_field.name
    extension = "." + name.rpartition(".")[2].lower()
    content_type = SERVED_TYPES.get(extension)
    if content_type is None:
        raise Http404
    storage = file_field.storage
    if thumbnail and storage.exists(thumbnail_name(name)):
        name, content_type = thumbnail_name(name), "image/jpeg"
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = "." + name.rpartition(".")[2].lower()
    response = FileResponse(handle, content_type=content_type, filename=download_name + extension)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=600"
    return response
