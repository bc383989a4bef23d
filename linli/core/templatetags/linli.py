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
