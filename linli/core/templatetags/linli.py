from django import template

from linli.core.selectors import AUDIT_VERBS

register = template.Library()


@register.filter
def verb_label(verb: str) -> str:
    """The audit verb in the user's language (``person.reveal`` → 查看完整号码)."""
    return AUDIT_VERBS.get(verb, verb)
