"""The baseline for the search load test: a bare Flask endpoint returning a
constant JSON body, served by gunicorn with the same settings."""

from flask import Flask, jsonify

app = Flask(__name__)
BODY = {"total": 0, "hits": [], "facets": {}, "next_cursor": None}


@app.get("/const")
def const():  # type: ignore[no-untyped-def]
    return jsonify(BODY)
