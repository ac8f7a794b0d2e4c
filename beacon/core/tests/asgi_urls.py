"""Views for the pooled ASGI handler's tests (ROOT_URLCONF of test_asgi_http)."""

from __future__ import annotations

import threading
import time

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

BIG = b"x" * (3 * 2**16 + 5)


def thread_view(request: HttpRequest) -> JsonResponse:
    time.sleep(float(request.GET.get("sleep", "0")))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse(
        {
            "thread": threading.get_ident(),
            "db": id(connection.connection),
            "language": translation.get_language(),
        }
    )


@csrf_exempt
def span_view(request: HttpRequest) -> JsonResponse:
    """When the view ran (monotonic clock), after sleeping `sleep` seconds; any method."""
    start = time.monotonic()
    time.sleep(float(request.GET.get("sleep", "0")))
    return JsonResponse(
        {"name": request.GET.get("name", ""), "start": start, "end": time.monotonic()}
    )


def activate_view(request: HttpRequest) -> JsonResponse:
    translation.activate("zh-hans")
    return JsonResponse({"language": translation.get_language()})


def big_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BIG, content_type="application/octet-stream")


def stream_view(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        (f"part{i};".encode() for i in range(5)), content_type="text/plain"
    )


@csrf_exempt
def echo_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body, content_type="application/octet-stream")


urlpatterns = [
    path("thread", thread_view),
    path("span", span_view),
    path("activate", activate_view),
    path("big", big_view),
    path("stream", stream_view),
    path("echo", echo_view),
]
