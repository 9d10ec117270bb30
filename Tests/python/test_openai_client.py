#!/usr/bin/env python3
"""Acceptance test of `outpost serve` with the official OpenAI Python client (`pip install openai`).

Starts a real server process (OUTPOST_BIN, default .build/release/outpost; OUTPOST_MODEL, default
models/SmolLM2-135M-Instruct.Q4_1.gguf) on a free port with an API key, then checks through
`openai.OpenAI(base_url=..., api_key=...)`: model list, chat and text completions (plain and streaming,
with usage), log-probabilities, greedy equality with `outpost run`, the error classes the client raises,
a 413 over raw HTTP, 429 under overload, and graceful shutdown on SIGTERM mid-stream.

Plain Python, no pytest: prints one line per check and a summary, exits 1 on any failure.
usage: python3 Tests/python/test_openai_client.py [-v]
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

try:
    import openai
except ImportError:
    sys.exit("error: the OpenAI client is not installed; run: python3 -m pip install openai")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("OUTPOST_BIN", os.path.join(ROOT, ".build", "release", "outpost"))
MODEL_PATH = os.environ.get("OUTPOST_MODEL", os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
MODEL = os.path.basename(MODEL_PATH)[: -len(".gguf")] if MODEL_PATH.endswith(".gguf") else os.path.basename(MODEL_PATH)
API_KEY = "sk-outpost-test-0123456789"
VERBOSE = "-v" in sys.argv[1:]
REQUEST_TIMEOUT = 120  # seconds, per request
QUESTION = "What is the capital of France?"


class Server:
    """A running `outpost serve` with its port, parsed from the "listening on" line on stderr."""

    def __init__(self, extra_args=(), key_file=None, name="server"):
        self.name = name
        args = [BIN, "serve", "--model", MODEL_PATH, "--port", "0", "--host", "127.0.0.1", "--ctx", "1024",
                "--parallel", "2", "--threads", "2"] + list(extra_args)
        if key_file:
            args += ["--api-key-file", key_file]
        self.args = args
        self.stderr_lines = []
        self.port = None
        self._port_ready = threading.Event()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self.stderr_lines.append(line)
            if VERBOSE:
                print(f"    [{self.name}] {line}", file=sys.stderr)
            m = re.search(r"listening on http://[^:\s]+:(\d+)", line)
            if m and self.port is None:
                self.port = int(m.group(1))
                self._port_ready.set()
        self._port_ready.set()  # stderr closed: the process is gone

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        if not self._port_ready.wait(timeout) or self.port is None:
            raise RuntimeError(f"{self.name} did not print its port (exit {self.proc.poll()}):\n" + self.log_tail())
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    raise RuntimeError(f"/health answered {e.code}")
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} /health not 200 within {timeout} s:\n" + self.log_tail())

    def log_tail(self, n=20):
        return "\n".join(self.stderr_lines[-n:])

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def raw_request(port, method, path, body=None, headers=None, timeout=30):
    """One HTTP request with http.client; returns (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw_socket_request(port, head, body_parts, timeout=30):
    """Sends a request over a plain socket and reads the response even when the server answers (and closes)
    before the whole body is sent. Returns (status, body bytes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(head)
            for part in body_parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and stopped reading: its response is still in our buffer
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        header, _, rest = data.partition(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        if not lines or not lines[0].startswith("HTTP/"):
            raise Failure(f"no HTTP response: {data[:200]!r}")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        if "content-length" in fields:
            n = int(fields["content-length"])
            while len(rest) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            rest = rest[:n]
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            while not rest.endswith(b"0\r\n\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            out, buf = b"", rest
            while buf:
                size_line, _, buf = buf.partition(b"\r\n")
                size = int(size_line.split(b";")[0] or b"0", 16)
                if size == 0:
                    break
                out, buf = out + buf[:size], buf[size + 2:]
            rest = out
        return status, rest
    except ConnectionResetError as e:
        raise Failure(f"connection reset without a response: {e}")
    finally:
        sock.close()


def cached_tokens(usage):
    details = getattr(usage, "prompt_tokens_details", None)
    return getattr(details, "cached_tokens", None)


def error_body(exc):
    """The OpenAI error object from a client exception: {"message", "type", "param", "code"}."""
    body = exc.body
    if isinstance(body, dict) and "error" in body and isinstance(body["error"], dict):
        body = body["error"]
    return body if isinstance(body, dict) else {}


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def expect_error(cls, fn, status, code=None, param=None):
    """Runs `fn`, expecting the client to raise `cls` with this status (and error code/param)."""
    try:
        fn()
    except cls as e:
        body = error_body(e)
        check(e.status_code == status, f"status {e.status_code}, expected {status}")
        if code is not None:
            check(e.code == code and body.get("code") == code, f"code {e.code!r} / body {body}, expected {code!r}")
        if param is not None:
            check(body.get("param") == param, f"param {body.get('param')!r}, expected {param!r}")
        for field in ("message", "type"):
            check(isinstance(body.get(field), str) and body[field], f"error envelope lacks {field}: {body}")
        return e
    except openai.APIError as e:
        raise Failure(f"expected {cls.__name__}, got {type(e).__name__}: {e}")
    raise Failure(f"expected {cls.__name__}, but the request succeeded")


class Suite:
    def __init__(self):
        self.results = []  # (name, ok, detail, seconds)

    def run(self, name, fn):
        t0 = time.monotonic()
        try:
            detail = fn() or ""
            ok = True
            if isinstance(detail, Warning):
                ok, detail = "warn", str(detail)
        except Failure as e:
            ok, detail = False, str(e)
        except Exception as e:  # an unexpected exception is a failure too, with its trace when verbose
            ok, detail = False, f"{type(e).__name__}: {e}"
            if VERBOSE:
                traceback.print_exc()
        dt = time.monotonic() - t0
        self.results.append((name, ok, detail, dt))
        label = {True: "PASS", False: "FAIL", "warn": "WARN"}[ok]
        print(f"{label}  {name:<34} {dt:6.2f}s  {detail}", flush=True)

    def skip(self, name, reason):
        self.results.append((name, None, reason, 0.0))
        print(f"SKIP  {name:<34} {0:6.2f}s  {reason}", flush=True)


def main():
    if not os.path.exists(BIN):
        sys.exit(f"error: {BIN} is missing (set OUTPOST_BIN or run: swift build -c release --product outpost)")
    if not os.path.exists(MODEL_PATH):
        sys.exit(f"error: model {MODEL_PATH} not found (set OUTPOST_MODEL or run scripts/fetch-models)")
    print(f"openai {openai.__version__}, python {sys.version.split()[0]}; server {BIN}; model {MODEL}", flush=True)

    tmp = tempfile.mkdtemp(prefix="outpost-pytest-")
    key_file = os.path.join(tmp, "keys")
    with open(key_file, "w") as f:
        f.write(API_KEY + "\n")

    suite = Suite()
    servers = []
    try:
        server = Server(key_file=key_file)
        servers.append(server)
        t0 = time.monotonic()
        server.wait_ready()
        print(f"server up on port {server.port} in {time.monotonic() - t0:.1f}s: {' '.join(server.args[1:])}", flush=True)
        run_checks(suite, server, key_file, servers)
    finally:
        for s in servers:
            s.kill()

    passed = sum(1 for r in suite.results if r[1] is True)
    failed = [r for r in suite.results if r[1] is False]
    skipped = sum(1 for r in suite.results if r[1] is None)
    warned = [r for r in suite.results if r[1] == "warn"]
    if warned:
        print("\nwarnings (not failures):")
        for name, _, detail, _ in warned:
            print(f"  {name}: {detail}")
    if failed:
        print("\nfailed checks:")
        for name, _, detail, _ in failed:
            print(f"  {name}: {detail}")
        if servers and servers[0].stderr_lines:
            print("server log (tail):\n" + servers[0].log_tail())
    print(f"python openai client tests: {passed} passed, {len(failed)} failed, {skipped} skipped"
          + (f", {len(warned)} warnings" if warned else ""), flush=True)
    return 1 if failed else 0


def run_checks(suite, server, key_file, servers):
    client = openai.OpenAI(base_url=server.base + "/v1", api_key=API_KEY, timeout=REQUEST_TIMEOUT, max_retries=0)
    state = {}

    def models_list():
        ids = [m.id for m in client.models.list()]
        check(MODEL in ids, f"{MODEL} not in {ids}")
        return f"models: {ids}"

    def chat_plain():
        # The same request twice: the second finds its prompt in the prefix cache (cached_tokens = prompt - 1),
        # as do the streaming request compared with it below, so the comparison is like for like.
        def ask():
            return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                                  temperature=0, max_tokens=24)
        cold = ask()
        r = ask()
        check(r.object == "chat.completion", f"object {r.object!r}")
        check(r.model == MODEL, f"model {r.model!r}")
        check(isinstance(r.id, str) and r.id, f"id {r.id!r}")
        check(len(r.choices) == 1, f"{len(r.choices)} choices")
        c = r.choices[0]
        check(c.message.role == "assistant", f"role {c.message.role!r}")
        check(isinstance(c.message.content, str) and c.message.content, f"content {c.message.content!r}")
        check(c.finish_reason in ("stop", "length"), f"finish_reason {c.finish_reason!r}")
        u = r.usage
        check(u is not None and u.prompt_tokens > 0 and 0 < u.completion_tokens <= 24, f"usage {u}")
        check(u.total_tokens == u.prompt_tokens + u.completion_tokens, f"usage total {u}")
        state["chat_text"] = c.message.content
        state["chat_usage"] = u
        state["chat_cold"] = (cold.choices[0].message.content, cached_tokens(cold.usage), cached_tokens(u))
        return f"{u.prompt_tokens}+{u.completion_tokens} tokens, finish {c.finish_reason}: {c.message.content!r}"

    def cache_determinism():
        cold_text, cold_cached, warm_cached = state["chat_cold"]
        if cold_text == state["chat_text"]:
            return f"same text with {cold_cached} and {warm_cached} cached prompt tokens"
        return Warning(f"temperature 0 text differs with the prefix cache: {cold_cached} cached tokens gave "
                       f"{cold_text!r}, {warm_cached} cached gave {state['chat_text']!r}")

    def text_plain():
        client.completions.create(model=MODEL, prompt="The three primary colors are", temperature=0, max_tokens=16)
        r = client.completions.create(model=MODEL, prompt="The three primary colors are", temperature=0, max_tokens=16)
        check(r.object == "text_completion", f"object {r.object!r}")
        check(len(r.choices) == 1, f"{len(r.choices)} choices")
        c = r.choices[0]
        check(isinstance(c.text, str) and c.text, f"text {c.text!r}")
        check(c.finish_reason in ("stop", "length"), f"finish_reason {c.finish_reason!r}")
        u = r.usage
        check(u is not None and u.prompt_tokens > 0 and 0 < u.completion_tokens <= 16, f"usage {u}")
        check(u.total_tokens == u.prompt_tokens + u.completion_tokens, f"usage total {u}")
        state["text"] = c.text
        return f"{u.prompt_tokens}+{u.completion_tokens} tokens: {c.text!r}"

    def warm_chat(content):
        """Puts the prompt in a slot's prefix cache, so the next requests with it reuse all but its last token:
        two requests compared at temperature 0 then see the same cache state (see cache_determinism)."""
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}], max_tokens=1)

    def chat_stream():
        warm_chat(QUESTION)
        ref = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                             temperature=0, max_tokens=24)
        state["chat_text"], state["chat_usage"] = ref.choices[0].message.content, ref.usage
        stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                                temperature=0, max_tokens=24, stream=True,
                                                stream_options={"include_usage": True})
        parts, finish, usage, chunks, after_usage = [], None, None, 0, 0
        for chunk in stream:
            chunks += 1
            check(chunk.object == "chat.completion.chunk", f"object {chunk.object!r}")
            if usage is not None:
                after_usage += 1
            if chunk.usage is not None:
                usage = chunk.usage
                check(chunk.choices == [], f"the usage chunk has choices: {chunk.choices}")
            for ch in chunk.choices:
                if ch.delta.content:
                    parts.append(ch.delta.content)
                if ch.finish_reason:
                    finish = ch.finish_reason
        text = "".join(parts)
        check(text == state["chat_text"], f"streamed {text!r} != non-streaming {state['chat_text']!r}")
        check(finish in ("stop", "length"), f"finish_reason {finish!r}")
        check(usage is not None, "no usage chunk with include_usage")
        check(after_usage == 0, "the usage chunk is not the last one")
        expected = state["chat_usage"]
        check((usage.prompt_tokens, usage.completion_tokens, cached_tokens(usage))
              == (expected.prompt_tokens, expected.completion_tokens, cached_tokens(expected)),
              f"usage {usage} != non-streaming {expected}")
        return f"{chunks} chunks, {len(parts)} content deltas equal the non-streaming text; usage last"

    def text_stream():
        client.completions.create(model=MODEL, prompt="The three primary colors are", max_tokens=1)
        ref = client.completions.create(model=MODEL, prompt="The three primary colors are", temperature=0, max_tokens=16)
        state["text"] = ref.choices[0].text
        stream = client.completions.create(model=MODEL, prompt="The three primary colors are", temperature=0,
                                           max_tokens=16, stream=True, stream_options={"include_usage": True})
        parts, finish, usage, chunks = [], None, None, 0
        for chunk in stream:
            chunks += 1
            if chunk.usage is not None:
                usage = chunk.usage
            for ch in chunk.choices:
                parts.append(ch.text or "")
                if ch.finish_reason:
                    finish = ch.finish_reason
        text = "".join(parts)
        check(text == state["text"], f"streamed {text!r} != non-streaming {state['text']!r}")
        check(finish in ("stop", "length"), f"finish_reason {finish!r}")
        check(usage is not None and usage.completion_tokens > 0, f"usage {usage}")
        return f"{chunks} chunks equal the non-streaming text, finish {finish}"

    def stop_sequences():
        warm_chat(QUESTION)
        base = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                              temperature=0, max_tokens=24)
        text = base.choices[0].message.content
        check(len(text) >= 8, f"the reference text is too short to stop inside: {text!r}")
        k = len(text) // 2
        stop = text[k:k + 3]  # a string from the middle of the greedy answer; generation must end before it
        expected = text[:text.index(stop)]
        r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                           temperature=0, max_tokens=24, stop=[stop, "\u0000never"])
        c = r.choices[0]
        check(c.message.content == expected, f"stop {stop!r}: text {c.message.content!r}, expected {expected!r}")
        check(c.finish_reason == "stop", f"finish_reason {c.finish_reason!r}, expected 'stop'")
        return f"stop={stop!r} → {c.message.content!r}, finish stop"

    def chat_logprobs():
        warm_chat(QUESTION)
        r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                           temperature=0, max_tokens=8, logprobs=True, top_logprobs=2)
        c = r.choices[0]
        check(c.logprobs is not None and c.logprobs.content, f"logprobs {c.logprobs}")
        entries = c.logprobs.content
        check(len(entries) == r.usage.completion_tokens, f"{len(entries)} entries for {r.usage.completion_tokens} tokens")
        for e in entries:
            check(isinstance(e.token, str) and e.logprob <= 0, f"entry {e}")
            check(len(e.top_logprobs) == 2, f"{len(e.top_logprobs)} top_logprobs, expected 2: {e}")
            lps = [t.logprob for t in e.top_logprobs]
            check(lps == sorted(lps, reverse=True), f"top_logprobs not in descending order: {lps}")
            # greedy: the sampled token is the most likely one
            check(abs(e.logprob - lps[0]) < 1e-4, f"greedy token logprob {e.logprob} != best {lps[0]}")
            check(e.bytes is None or bytes(e.bytes).decode("utf-8", errors="replace") is not None, "bytes")
        joined = "".join(e.token for e in entries)
        check(joined == c.message.content, f"tokens {joined!r} != content {c.message.content!r}")
        # Streaming with logprobs too: every content chunk carries its entries.
        stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": QUESTION}],
                                                temperature=0, max_tokens=8, logprobs=True, top_logprobs=2,
                                                stream=True)
        streamed = []
        for chunk in stream:
            for ch in chunk.choices:
                if ch.logprobs and ch.logprobs.content:
                    streamed.extend(ch.logprobs.content)
        check([(e.token, round(e.logprob, 4)) for e in streamed] == [(e.token, round(e.logprob, 4)) for e in entries],
              "streamed logprobs differ from the non-streaming ones")
        return f"{len(entries)} tokens, first {entries[0].token!r} {entries[0].logprob:.4f}, top-2 each; streamed equal"

    def cli_equality():
        msg = "Name three animals that live in the ocean."
        cmd = [BIN, "run", "--model", MODEL_PATH, "--chat", msg, "--temperature", "0", "--max-tokens", "24",
               "--threads", "2"]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
        check(p.returncode == 0, f"outpost run exited {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
        out = p.stdout.decode("utf-8")
        check(out.endswith("\n"), "outpost run output does not end with its newline")
        cli_text = out[:-1]  # run writes the generated text, then one "\n"
        r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": msg}],
                                           temperature=0, max_tokens=24)
        server_text = r.choices[0].message.content
        check(server_text == cli_text, f"server {server_text!r} != outpost run {cli_text!r}")
        return f"equal ({len(cli_text)} chars): {cli_text!r}"

    def err_unknown_model():
        e = expect_error(openai.NotFoundError, lambda: client.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}], max_tokens=4),
            404, code="model_not_found", param="model")
        return f"404 {e.code}"

    def err_unsupported():
        e = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4,
            extra_body={"logit_bias": {"50256": -100}}), 400, code="unsupported_parameter", param="logit_bias")
        e2 = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4,
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]),
            400, code="unsupported_parameter", param="tools")
        return f"logit_bias → 400 {e.code}; tools → 400 {e2.code}"

    def err_n():
        e = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4, n=2), 400, param="n")
        return f"n=2 → 400 {e.code}"

    def err_bad_values():
        e = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4, temperature=5),
            400, param="temperature")
        e2 = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[], max_tokens=4), 400, param="messages")
        return f"temperature=5 → 400 {e.code}; messages=[] → 400 {e2.code}"

    def err_malformed_json():
        status, _, body = raw_request(server.port, "POST", "/v1/chat/completions", body=b'{"model": "x", "messages": [',
                                      headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
        err = json.loads(body).get("error", {})
        check(status == 400 and err.get("code") == "invalid_json", f"{status} {body[:300]!r}")
        return f"400 {err['code']}: {err.get('message')}"

    def err_context():
        e = expect_error(openai.BadRequestError, lambda: client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=100000),
            400, code="context_length_exceeded")
        long_prompt = " ".join(f"word{i}" for i in range(3000))
        e2 = expect_error(openai.BadRequestError, lambda: client.completions.create(
            model=MODEL, prompt=long_prompt, max_tokens=4), 400, code="context_length_exceeded")
        return f"max_tokens=100000 → {e.code}; 3000-word prompt → {e2.code}"

    def err_auth():
        bad = openai.OpenAI(base_url=server.base + "/v1", api_key="sk-wrong", timeout=30, max_retries=0)
        e = expect_error(openai.AuthenticationError, lambda: bad.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4), 401, code="invalid_api_key")
        expect_error(openai.AuthenticationError, lambda: bad.models.list(), 401, code="invalid_api_key")
        status, _, body = raw_request(server.port, "GET", "/v1/models")
        check(status == 401, f"no key: {status} {body[:200]!r}")
        status, _, _ = raw_request(server.port, "GET", "/health")
        check(status == 200, f"/health without a key: {status}")
        return f"wrong key → 401 {e.code}; no key → 401; /health open"

    big = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "x" * (2 << 20)}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {API_KEY}\r\n"
            f"Content-Type: application/json\r\n")

    def still_serving():
        r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        check(r.choices[0].finish_reason in ("stop", "length"), "server broken after the 413")

    def err_too_large():
        # Declared with Content-Length: refused before the body is read.
        status, body = raw_socket_request(server.port, (head + f"Content-Length: {len(big)}\r\n\r\n").encode(), [big])
        check(status == 413, f"{status} {body[:300]!r}")
        err = json.loads(body).get("error", {})
        check(err.get("message") and err.get("type"), f"no error envelope: {body[:200]!r}")
        still_serving()
        return f"{len(big)} bytes → 413 {err.get('code')}"

    def err_too_large_chunked():
        # Sent chunked, without a length: the limit applies while the body is read.
        pieces = [b"%x\r\n" % len(big[i:i + 65536]) + big[i:i + 65536] + b"\r\n" for i in range(0, len(big), 65536)]
        status, body = raw_socket_request(server.port, (head + "Transfer-Encoding: chunked\r\n\r\n").encode(),
                                          pieces + [b"0\r\n\r\n"])
        check(status == 413, f"{status} {body[:300]!r}")
        err = json.loads(body).get("error", {})
        check(err.get("message") and err.get("type"), f"no error envelope: {body[:200]!r}")
        still_serving()
        return f"{len(big)} bytes chunked → 413 {err.get('code')}"

    def rate_limit():
        # A second, small server: one slot and no queue, so a request during a running stream is refused.
        s = Server(extra_args=["--parallel", "1", "--max-queue", "0"], name="server-429")
        servers.append(s)
        try:
            s.wait_ready()
            c = openai.OpenAI(base_url=s.base + "/v1", api_key="unused", timeout=REQUEST_TIMEOUT, max_retries=0)
            stream = c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Write a long story."}],
                                               temperature=0, max_tokens=300, stream=True)
            it = iter(stream)
            next(it)  # the stream runs: the slot is taken
            e = expect_error(openai.RateLimitError, lambda: c.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=4), 429)
            retry_after = e.response.headers.get("retry-after")
            check(retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1,
                  f"Retry-After {retry_after!r}")
            # A client that goes away frees its slot: the one-slot server serves again soon after.
            stream.close()
            deadline, served = time.monotonic() + 10, None
            while time.monotonic() < deadline:
                try:
                    served = c.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}],
                                                       max_tokens=2)
                    break
                except openai.RateLimitError:
                    time.sleep(0.2)
            check(served is not None, "the slot was not freed within 10 s of the client closing its stream")
            return f"429 {e.code}, Retry-After {retry_after}; slot freed after the client disconnected"
        finally:
            s.kill()

    def graceful_shutdown():
        first_chunk = threading.Event()
        result = {"chunks_after_term": 0, "parts": [], "finish": None, "error": None, "done": False}
        term_sent = threading.Event()

        def consume():
            try:
                stream = client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": "Count from 1 to 100, separated by commas."}],
                    temperature=0, max_tokens=200, stream=True, timeout=60)
                for chunk in stream:
                    if term_sent.is_set():
                        result["chunks_after_term"] += 1
                    for ch in chunk.choices:
                        if ch.delta.content:
                            result["parts"].append(ch.delta.content)
                            first_chunk.set()
                        if ch.finish_reason:
                            result["finish"] = ch.finish_reason
                result["done"] = True
            except Exception as e:
                result["error"] = f"{type(e).__name__}: {e}"
            finally:
                first_chunk.set()

        t = threading.Thread(target=consume, daemon=True)
        t.start()
        check(first_chunk.wait(60), "no first chunk within 60 s")
        check(result["error"] is None, f"stream failed before SIGTERM: {result['error']}")
        server.proc.send_signal(signal.SIGTERM)
        term_sent.set()
        t0 = time.monotonic()
        # A new request during the drain is refused (503, or connection refused once the listener closed).
        # Sent after a pause: the signal is handled asynchronously, and a request that arrives before is served.
        time.sleep(0.5)
        refused = "not tried"
        try:
            status, _, _ = raw_request(server.port, "POST", "/v1/chat/completions",
                                       body=json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}],
                                                        "max_tokens": 2}).encode(),
                                       headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10)
            refused = f"HTTP {status}"
            check(status == 503, f"a new request during shutdown got {status}, expected 503 or a refused connection")
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected) as e:
            refused = type(e).__name__
        t.join(30)
        check(not t.is_alive(), "the stream did not end within 30 s of SIGTERM")
        check(result["error"] is None, f"the stream failed after SIGTERM: {result['error']}")
        check(result["done"] and result["finish"] in ("stop", "length"), f"no finish_reason: {result}")
        check(result["chunks_after_term"] > 0, "the stream had ended before SIGTERM: nothing was in flight")
        try:
            code = server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise Failure("the server did not exit within 20 s of SIGTERM")
        elapsed = time.monotonic() - t0
        check(code == 0, f"exit status {code}")
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=3).close()
            raise Failure(f"port {server.port} still accepts connections after exit")
        except ConnectionRefusedError:
            pass
        text = "".join(result["parts"])
        return (f"{result['chunks_after_term']} chunks after SIGTERM, finish {result['finish']}, "
                f"{len(text)} chars; new request → {refused}; exit 0 in {elapsed:.1f}s; port closed")

    # First, while nothing is in the prefix cache: the server computes the prompt as `outpost run` does.
    suite.run("temperature 0 equals outpost run", cli_equality)
    suite.run("models.list", models_list)
    suite.run("chat.completions", chat_plain)
    suite.run("temperature 0 cold vs cached", cache_determinism)
    suite.run("completions", text_plain)
    suite.run("chat.completions stream", chat_stream)
    suite.run("completions stream", text_stream)
    suite.run("stop sequence", stop_sequences)
    suite.run("chat logprobs top_logprobs=2", chat_logprobs)
    suite.run("404 NotFoundError unknown model", err_unknown_model)
    suite.run("400 unsupported parameter", err_unsupported)
    suite.run("400 n=2", err_n)
    suite.run("400 invalid values", err_bad_values)
    suite.run("400 malformed JSON (raw)", err_malformed_json)
    suite.run("400 context_length_exceeded", err_context)
    suite.run("401 AuthenticationError", err_auth)
    suite.run("413 body too large (raw)", err_too_large)
    suite.run("413 chunked body too large (raw)", err_too_large_chunked)
    suite.run("429 RateLimitError", rate_limit)
    suite.run("SIGTERM mid-stream", graceful_shutdown)


if __name__ == "__main__":
    sys.exit(main())
