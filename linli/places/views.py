from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from linli.places import selectors


@login_required
def community_list(request):
    """社区: the communities in the user's scope with their grids, compounds and sites."""
    return render(
        request,
        "places/community_list.html",
        {"communities": selectors.community_list(request.user)},
    )


@login_required
def community_detail(request, community_id: int):
    community = selectors.community_get(request.user, community_id)
    return render(request, "places/community_detail.html", {"community": community})
