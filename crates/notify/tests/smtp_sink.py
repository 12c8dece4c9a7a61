#!/usr/bin/env python3
"""SMTP sink for canyu-notify's tests.

Usage: smtp_sink.py PORT OUT_DIR

Listens on 127.0.0.1:PORT and accepts every message, writing it to OUT_DIR as N.eml (the raw
bytes received) and N.json (the envelope plus fields decoded by Python's email package, so the
Rust test checks the message as an independent mail reader sees it). A recipient whose local
part starts with "reject550" or "defer451" makes DATA fail with that reply code.

Uses aiosmtpd when installed, else the standard library's smtpd (Python <= 3.11). Prints READY
once listening; exits with status 3 when neither module is available.
"""

import email
import email.policy
import itertools
import json
import os
import sys
import threading
import time
import warnings

PORT = int(sys.argv[1])
OUT = sys.argv[2]
counter = itertools.count(1)
lock = threading.Lock()


def reply_for(rcpt_tos):
    for rcpt in rcpt_tos:
        local = rcpt.split("@", 1)[0].lower()
        if local.startswith("reject550"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("defer451"):
            return "451 4.3.0 try again later"
    return None


def save(mail_from, rcpt_tos, data):
    refusal = reply_for(rcpt_tos)
    if refusal:
        return refusal
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append({"content_type": part.get_content_type(), "content": part.get_content()})
    info = {
        "mail_from": mail_from,
        "rcpt_tos": list(rcpt_tos),
        "content_type": msg.get_content_type(),
        "headers": {name.lower(): str(value) for name, value in msg.items()},
        "parts": parts,
    }
    with lock:
        n = next(counter)
    base = os.path.join(OUT, str(n))
    with open(base + ".eml", "wb") as f:
        f.write(data)
    # Written under a temporary name and renamed, so a reader never sees half a file.
    with open(base + ".json.tmp", "w", encoding="utf-8") as f:
        json.dump(info, f, ensure_ascii=False)
    os.replace(base + ".json.tmp", base + ".json")
    return "250 OK"


def run_aiosmtpd():
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return save(envelope.mail_from, envelope.rcpt_tos, envelope.content)

    controller = Controller(Handler(), hostname="127.0.0.1", port=PORT)
    controller.start()
    print("READY aiosmtpd", flush=True)
    while True:
        time.sleep(3600)


def run_smtpd():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd

    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            return None if (r := save(mailfrom, rcpttos, data)) == "250 OK" else r

    Sink(("127.0.0.1", PORT), None, decode_data=False)
    print("READY smtpd", flush=True)
    asyncore.loop()


def main():
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        pass
    else:
        return run_aiosmtpd()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import smtpd  # noqa: F401
    except ImportError:
        print("no SMTP server module: install aiosmtpd (python3 -m pip install aiosmtpd)", file=sys.stderr)
        sys.exit(3)
    return run_smtpd()


if __name__ == "__main__":
    main()
