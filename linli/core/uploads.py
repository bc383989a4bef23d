"""Uploaded photos (a handout's receipt, a service order's pictures): checked by their first bytes,
not by the name or the browser's content type, and kept small."""

from django.utils.translation import gettext as _

from linli.core.errors import ValidationFailed

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")  # JPEG, PNG, WebP


def photo_check(upload, field: str) -> None:
    """Refuse (422 on ``field``) anything but a JPEG, PNG or WebP of at most 5 MB."""
    if upload is None:
        return
    if upload.size > PHOTO_MAX_BYTES:
        message = _("The photo is larger than 5 MB.")
    else:
        head = upload.read(16)
        upload.seek(0)
        if head.startswith(PHOTO_SIGNATURES):
            return
        message = _("The photo must be a JPEG, PNG or WebP image.")
    raise ValidationFailed(message, fields={field: [message]})
