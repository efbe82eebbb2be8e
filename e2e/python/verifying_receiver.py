"""A webhook receiver that verifies every delivery with the third-party
`standardwebhooks` library (PyPI), against each secret it is given.

Usage: verifying_receiver.py <port> <log file> <secret> [<secret> …]
Answers 204 when the signature verifies with at least one secret, else 401. Appends
one JSON line per request to the log: the webhook-id, the body, and, for every given
secret, whether it verified.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT, LOG, SECRETS = int(sys.argv[1]), sys.argv[2], sys.argv[3:]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = {}
        for secret in SECRETS:
            try:
                Webhook(secret).verify(body, headers)
                verified[secret] = True
            except WebhookVerificationError:
                verified[secret] = False
        with open(LOG, "a") as log:
            log.write(json.dumps({"id": headers.get("webhook-id"), "body": body.decode(), "verified": verified}) + "\n")
        self.send_response(204 if any(verified.values()) else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
