#!/usr/bin/env python3
"""A stand-in for the Telegram Bot API (and a webhook receiver) for the lab tests.

    fake_telegram.py ADDR PORT TOKEN DIR

POST /bot<TOKEN>/sendMessage answers like Telegram: 200 {"ok":true,"result":{...}} when
the JSON body has chat_id and text; 401 for a wrong token; 400 for a bad body.
POST /hook is a webhook receiver (200 {"ok":true}).

What to answer is scripted per endpoint: DIR/script.telegram and DIR/script.webhook hold
one directive per line, each consumed by one request, and the default once the file is
empty: "ok", "500", "429 N" (retry_after N), "hang" (read the request, never answer).
Each request is appended to DIR/requests.jsonl as one JSON object: the endpoint, whether
the token in the path was right, what was answered, the headers and the body. The path
itself is never written, so the token must not appear anywhere in that log.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDR, PORT, TOKEN, DIR = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
LOCK = threading.Lock()
MSG_ID = [0]


def next_directive(endpoint):
    path = os.path.join(DIR, "script." + endpoint)
    with LOCK:
        try:
            with open(path) as f:
                lines = [l.strip() for l in f if l.strip()]
        except FileNotFoundError:
            lines = []
        if not lines:
            return "ok"
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines[1:]))
        return lines[0]


def log(entry):
    with LOCK:
        with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the default prints the path: never
        pass

    def answer(self, code, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path == "/hook":
            endpoint, token_ok = "webhook", None
        elif self.path.startswith("/bot") and self.path.endswith("/sendMessage"):
            endpoint = "telegram"
            token_ok = self.path == "/bot" + TOKEN + "/sendMessage"
        else:
            endpoint, token_ok = "other", False
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        d = next_directive(endpoint) if endpoint != "other" else "404"
        entry = {"t": time.time(), "endpoint": endpoint, "token_ok": token_ok,
                 "answer": d, "headers": dict(self.headers.items()),
                 "body": body if body is not None else raw.decode("utf-8", "replace")}
        log(entry)
        if d == "hang":
            time.sleep(3600)
            return
        if d == "404" or (endpoint == "telegram" and not token_ok):
            self.answer(404 if d == "404" else 401,
                        {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        if d == "500":
            self.answer(500, {"ok": False, "error_code": 500,
                              "description": "Internal Server Error"})
            return
        if d.startswith("429"):
            ra = int(d.split()[1]) if len(d.split()) > 1 else 1
            self.answer(429, {"ok": False, "error_code": 429,
                              "description": "Too Many Requests: retry after %d" % ra,
                              "parameters": {"retry_after": ra}})
            return
        if endpoint == "telegram":
            if not isinstance(body, dict) or "chat_id" not in body or "text" not in body:
                self.answer(400, {"ok": False, "error_code": 400,
                                  "description": "Bad Request: message text is empty"})
                return
            with LOCK:
                MSG_ID[0] += 1
                mid = MSG_ID[0]
            self.answer(200, {"ok": True, "result": {
                "message_id": mid, "date": int(time.time()),
                "chat": {"id": body["chat_id"], "type": "private"},
                "text": body["text"]}})
            return
        self.answer(200, {"ok": True})


ThreadingHTTPServer.daemon_threads = True
srv = ThreadingHTTPServer((ADDR, PORT), Handler)
open(os.path.join(DIR, "ready"), "w").close()
srv.serve_forever()
