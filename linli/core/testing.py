"""Images for tests of uploads: real ones made with Pillow, and hostile ones made by hand."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_bytes(
    size: tuple[int, int] = (64, 48),
    *,
    gps: bool = False,
    orientation: int | None = None,
    comment: bytes = b"",
) -> bytes:
    """A real JPEG (left half red, right half blue), with GPS EXIF, an orientation or a comment."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd.update({1: "N", 2: (30.0, 39.0, 35.0), 3: "E", 4: (104.0, 4.0, 12.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=comment)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 10, 255) if mode == "RGBA" else 0).save(out, "PNG")
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 10, 120)).save(out, "WEBP")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of ``width`` × ``height`` black pixels in a few tens of kilobytes:
    decoded, it would take hundreds of megabytes."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


NOT_AN_IMAGE = "The photo must be a JPEG, PNG or WebP image."
DAMAGED = "The photo cannot be read: the file is damaged or incomplete."
TOO_LARGE = "The photo is larger than 5 MB."
TOO_MANY_PIXELS = "The photo has more than 24 million pixels; send a smaller one."


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    return out.getvalue()


def _noisy_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((300, 200), 80).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def hostile_files() -> list:
    """Files each upload must refuse, as ``pytest.param(name, bytes, claimed type, message)``
    (the messages in English)."""
    noisy = _noisy_jpeg()
    return [
        pytest.param(
            "x.html",
            b"<html><script>fetch('/api/v1/people/1/reveal')</script></html>",
            "text/html",
            NOT_AN_IMAGE,
            id="html",
        ),
        pytest.param(
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b"<script>alert(document.cookie)</script></svg>",
            "image/svg+xml",
            NOT_AN_IMAGE,
            id="svg",
        ),
        pytest.param(
            "x.html",
            b"RIFF\x40\x00\x00\x00WEBPVP8 <script>alert(document.cookie)</script>",
            "image/webp",
            NOT_AN_IMAGE,
            id="riff-polyglot",
        ),
        pytest.param(
            "x.gif",
            b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>",
            "image/gif",
            NOT_AN_IMAGE,
            id="gif-polyglot",
        ),
        pytest.param(
            "x.jpg",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<script>alert(1)</script>",
            "image/jpeg",
            NOT_AN_IMAGE,
            id="jpeg-magic-polyglot",
        ),
        pytest.param("real.gif", _gif(), "image/gif", NOT_AN_IMAGE, id="a-real-gif"),
        pytest.param(
            "cut.jpg", noisy[: len(noisy) // 2], "image/jpeg", DAMAGED, id="truncated-jpeg"
        ),
        pytest.param("bomb.png", png_bomb(), "image/png", TOO_MANY_PIXELS, id="20000x20000-png"),
        pytest.param(
            "big.jpg",
            jpeg_bytes() + b"\x00" * (6 * 1024 * 1024),
            "image/jpeg",
            TOO_LARGE,
            id="6-mb",
        ),
    ]


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
