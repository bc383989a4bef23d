from django import template

from linli.core.selectors import AUDIT_VERBS

register = template.Library()


@register.filter
def verb_label(verb: str) -> str:
    """The audit verb in the user's language (``person.reveal`` → 查看完整号码)."""
    return AUDIT_VERBS.get(verb, verb)


@register.filter
def tag_label(code: str) -> str:
    """A vulnerability tag code in the user's language (``lives_alone`` → 独居)."""
    from linli.people.models import Tag

    try:
        return Tag(code).label
    except ValueError:
        return code


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals and thousands separators: 1234567 → ¥12,345.67."""
    if fen in (None, ""):
        return "—"
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


@register.filter
def qty(value) -> str:
    """A Decimal quantity without trailing zeros: 12.500 → 12.5, 3.000 → 3."""
    if value in (None, ""):
        return "—"
    text = format(value.normalize() if hasattr(value, "normalize") else value, "f")
    return text


@register.simple_tag
def idempotency_field():
    """A hidden, fresh idempotency key for a form that moves points, goods or money: posting the
    same rendered form twice (a double click, a retry) is one action (``core.idempotency``)."""
    import uuid

    from django.utils.html import format_html

    from linli.core.idempotency import FIELD

    return format_html(
        '<input type="hidden" name="{}" value="{}" data-idempotency-key>', FIELD, uuid.uuid4()
    )
