"""A tiny OpenAI-compatible chat server for tests: ``python -m tests.fake_openai_server [--fail N]
[--status 500] [--no-models] [--replies FILE] [--stall S]`` prints its port, then answers POST
/v1/chat/completions with ``<answer>{the last word of the user message}</answer>`` — or, with
``--replies``, with the texts of the JSON list in FILE, one per request in turn (cycling) — and
usage counts (words), GET /v1/models with one model; the first N chat requests fail with the
given HTTP status; with ``--stall``, every chat request waits S seconds before its answer (a stuck
server)."""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--status", type=int, default=500)
    parser.add_argument("--no-models", action="store_true", help="answer GET /v1/models with 404")
    parser.add_argument("--replies", default=None, help="a JSON file: the list of reply texts to give in turn")
    parser.add_argument("--stall", type=float, default=0.0, help="seconds each chat request waits before its answer")
    args = parser.parse_args()
    replies = json.loads(open(args.replies).read()) if args.replies else None
    lock = threading.Lock()
    state = {"failures_left": args.fail, "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:  # quiet
            return

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.endswith("/models") and not args.no_models:
                self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "test"}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:  # noqa: N802
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(args.stall)
            with lock:
                state["requests"] += 1
                fail = state["failures_left"] > 0
                state["failures_left"] -= int(fail)
            if fail:
                self._send(args.status, {"error": {"message": "injected failure", "type": "server_error"}})
                return
            user = request["messages"][-1]["content"]
            words = sum(len(m["content"].split()) for m in request["messages"])
            content = replies[(state["requests"] - 1) % len(replies)] if replies else f"<answer>{user.split()[-1]}</answer>"
            self._send(200, {
                "id": f"cmpl-{state['requests']}", "object": "chat.completion", "created": 0, "model": request["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": words, "completion_tokens": 3, "total_tokens": words + 3},
            })

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
