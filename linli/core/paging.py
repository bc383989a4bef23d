"""Pagination and form-error helpers shared by the pages."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator

from linli.core.errors import DomainError
from linli.core.parsing import query_id, query_int


def paginate(request, queryset, per_page: int | None = None) -> Page:
    paginator = Paginator(queryset, per_page or settings.LINLI_PAGE_SIZE)
    return paginator.get_page(query_int(request, "page", default=1, minimum=1))


def query_without_page(request) -> str:
    """The current query string minus ``page``, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def add_domain_errors(form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the matching form fields (the rest at the top)."""
    field_map = field_map or {}
    placed = False
    for field, messages in exc.fields.items():
        name = field_map.get(field, field.removesuffix("_id"))
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def form_args(request, *, files: bool = False) -> tuple:
    """Positional arguments binding a form on POST (even an empty one), unbound otherwise."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)


def message_domain_error(request, exc: DomainError) -> None:
    """A refused action on a POSTed form: re-raise "not found" (a 404 page), else show a message
    with the field details."""
    from django.contrib import messages

    if exc.status == 404:
        raise exc
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs if m != exc.message)
    messages.error(request, f"{exc.message} {details}".strip())


def community_choice(request, perm: str):
    """(community, communities) for a page that works on one community at a time: the user's
    communities holding ``perm`` (403 when none), the chosen one from ``?community=``, else the top
    bar's switcher, else the first."""
    from linli.core.scoping import require_any
    from linli.places.models import Community

    ids = require_any(request.user, perm)
    communities = Community.objects.filter(pk__in=ids).order_by("code")
    chosen = query_id(request, "community")
    community = communities.filter(pk=chosen).first() if chosen is not None else None
    active = getattr(request, "community", None)
    if community is None and active is not None and active.pk in ids:
        community = active
    return community or communities.first(), communities
