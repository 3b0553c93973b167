"""The project's WSGI application with two extra paths, for test_two_gunicorn_workers_share_one_cache:
/count/ adds one to a counter in Django's cache (after a short pause, so that requests sent at
once spread over the workers) and says which process answered; /ready/ answers when it is up.
Everything else goes to the project."""

import json
import os
import time

from django.core.cache import cache

from config.wsgi import application as project


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path not in ("/count/", "/ready/"):
        return project(environ, start_response)
    body = {"pid": os.getpid()}
    if path == "/count/":
        time.sleep(0.3)
        cache.add("counter", 0)
        body["count"] = cache.incr("counter")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
