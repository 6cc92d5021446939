"""Whole pages from the Redis page cache, by address.

Only complete, successful pages are kept: an error page or a page rendered
while search was away is never served from the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request

from web.bootstrap import context

CACHE_HEADER = "X-Page-Cache"


def page_key() -> str:
    address = request.full_path
    if len(address) > 200:
        address = request.path + "?" + hashlib.sha256(address.encode()).hexdigest()
    return address


def cached_page(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        cache = context().page_cache
        key = page_key()
        page = cache.get(key)
        if page is not None:
            response = Response(page, mimetype="text/html")
            response.headers[CACHE_HEADER] = "hit"
            return response
        response = view(*args, **kwargs)
        if response.status_code == 200 and not response.direct_passthrough:
            cache.put(key, response.get_data())
        response.headers[CACHE_HEADER] = "miss"
        return response

    return wrapper
