"""A scripted stand-in for requests.Session, for unit tests of the retry and token logic."""

from __future__ import annotations

import json

import requests


def response(status=200, body=None, headers=None):
    resp = requests.Response()
    resp._content_consumed = True
    resp.status_code = status
    resp.headers.update(headers or {})
    if body is not None:
        resp._content = json.dumps(body).encode('utf-8')
        resp.headers.setdefault('Content-Type', 'application/json')
    else:
        resp._content = b''
    return resp


class FakeSession(object):
    """Answers each request with the next scripted item: a response, or an exception to raise."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []
        self.headers = {}
        self.trust_env = True

    def request(self, method, url, **kwargs):
        self.calls.append(dict(method=method, url=url, **kwargs))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(method, url, kwargs)
        return item

    def close(self):
        pass
