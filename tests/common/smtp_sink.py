"""A real SMTP server on loopback for the mail tests (aiosmtpd), storing what it receives.

    python smtp_sink.py PORT DIR [--refuse]

Listens on 127.0.0.1:PORT; every message it accepts is parsed with Python's own e-mail parser
(another author's than the sender's) and written to DIR/<n>.json: the envelope, the decoded
headers, the plain-text and HTML parts, and the raw message. With --refuse it answers every
recipient `550 5.1.1 mailbox unavailable`. Prints "ready" once it listens, and stops when its
standard input closes (the test that started it ends).
"""

import json
import os
import sys
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        stored = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "to_name": message["to"].addresses[0].display_name if message["to"] else None,
            "to_address": message["to"].addresses[0].addr_spec if message["to"] else None,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
            "raw": raw.decode("utf-8", "replace"),
        }
        with self.lock:
            self.count += 1
            n = self.count
        path = os.path.join(self.directory, f"{n:04}.json")
        with open(path + ".part", "w", encoding="utf-8") as f:
            json.dump(stored, f, ensure_ascii=False)
        os.replace(path + ".part", path)
        return "250 OK: stored"


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    refuse = "--refuse" in sys.argv[3:]
    controller = Controller(Sink(directory, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
