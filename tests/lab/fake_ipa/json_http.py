"""What the agents' API and the control endpoint share: a threaded loopback server and a handler
that answers JSON and logs nothing (the machines process's own log says what happened)."""
import http.server
import json
import socketserver


class JsonServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Loopback only, one thread per request."""
    daemon_threads = True
    allow_reuse_address = True


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """Answers JSON; no access log."""

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
