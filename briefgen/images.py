"""Image size from a file's first bytes, to refuse images too large to print before
anything decodes them (a small PNG can inflate to gigabytes)."""

from __future__ import annotations

import struct
from pathlib import Path

from .i18n import Message, lazy

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file a document may use (a font, an image, a stylesheet)."""
MAX_PIXELS = 40_000_000
"""Largest image briefgen prints: 40 megapixels is a full A4 page at 600 dpi."""


def pixel_count(data: bytes) -> int | None:
    """Width × height of a PNG, GIF or JPEG image, or None for another format."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width * height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width * height)
    if data.startswith(b"\xff\xd8"):
        position = 2
        while position + 9 < len(data):
            if data[position] != 0xFF:
                position += 1
                continue
            marker = data[position + 1]
            length = struct.unpack(">H", data[position + 2 : position + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[position + 5 : position + 9])
                return int(width * height)
            position += 2 + length
    return None


def too_large(data: bytes) -> Message | None:
    """Why an image must not be printed, or None if it may."""
    pixels = pixel_count(data)
    if pixels is not None and pixels > MAX_PIXELS:
        return lazy(
            "an image of %(pixels)s pixels (more than %(limit)s)",
            pixels=f"{pixels:,}".replace(",", " "),
            limit=f"{MAX_PIXELS:,}".replace(",", " "),
        )
    return None


NOT_AN_ASSET = lazy("not a file of the workspace's templates or assets")


def read_asset(target: Path) -> bytes | Message:
    """The bytes of a file a document uses (as the workspace resolved it), or why it may
    not use it."""
    if target.stat().st_size > MAX_FILE_BYTES:
        return lazy("larger than %(size)s MB", size=MAX_FILE_BYTES // (1024 * 1024))
    data = target.read_bytes()
    return too_large(data) or data


RASTER_ZOOM = 4
"""How many pixels a raster copy of an SVG gives each of its CSS pixels (384 dpi)."""


def raster(svg: bytes) -> tuple[bytes, int] | Message:
    """A PNG copy of an SVG image, for a format a word processor may not draw SVG in, and
    the SVG's width in CSS pixels; or why it cannot be made."""
    import resvg_py

    try:
        png = bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), zoom=RASTER_ZOOM))
    except (UnicodeDecodeError, ValueError) as error:
        return lazy("an SVG image that cannot be drawn (%(reason)s)", reason=str(error))
    return too_large(png) or (png, struct.unpack(">I", png[16:20])[0] // RASTER_ZOOM)
