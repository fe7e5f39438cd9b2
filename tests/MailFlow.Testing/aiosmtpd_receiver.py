"""A third-party SMTP receiver for interop tests: Debian's python3-aiosmtpd on loopback.

Writes every accepted message to OUT/<n>.eml and its envelope and TLS facts to OUT/<n>.json,
then prints "ready" once it listens. Run with /usr/bin/python3 (Debian's packages load there).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, out, hide_8bitmime, defer_rcpt, reject_rcpt):
        self.out = out
        self.hide_8bitmime = hide_8bitmime
        self.defer_rcpt = defer_rcpt
        self.reject_rcpt = reject_rcpt
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.defer_rcpt:
            return "451 4.3.0 Mailbox temporarily unavailable"
        if address in self.reject_rcpt:
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.hide_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r]
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        peer = server.transport.get_extra_info("peercert") if server.transport else None
        subject = None
        if peer:
            subject = ",".join("=".join(pair) for rdn in peer.get("subject", ()) for pair in rdn)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "helo": session.host_name,
            "peer_port": session.peer[1] if session.peer else None,
            "tls": server.transport.get_extra_info("cipher") is not None if server.transport else False,
            "client_certificate_subject": subject,
        }
        base = os.path.join(self.out, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(base + ".eml.tmp", base + ".eml")
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as %d" % self.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cert", help="PEM certificate chain; without it STARTTLS is not offered")
    parser.add_argument("--key")
    parser.add_argument("--client-ca", help="request a client certificate and verify it against this CA")
    parser.add_argument("--hide-8bitmime", action="store_true")
    parser.add_argument("--defer-rcpt", action="append", default=[], help="answer RCPT TO for this address with 451")
    parser.add_argument("--reject-rcpt", action="append", default=[], help="answer RCPT TO for this address with 550")
    parser.add_argument("--no-smtputf8", action="store_true", help="aiosmtpd's Controller offers SMTPUTF8 unless told not to")
    parser.add_argument("--idle-timeout", type=float, default=300, help="close a connection idle between commands this many seconds")
    args = parser.parse_args()

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            tls.load_verify_locations(args.client_ca)
            tls.verify_mode = ssl.CERT_OPTIONAL
    controller = Controller(Recorder(args.out, args.hide_8bitmime, args.defer_rcpt, args.reject_rcpt), hostname="127.0.0.1", port=args.port,
                            tls_context=tls, require_starttls=False, decode_data=False,
                            enable_SMTPUTF8=not args.no_smtputf8, server_kwargs={"timeout": args.idle_timeout})
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes stdin or kills the process
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
