#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Tokens the way the shop's identity provider issues them, for local runs and tests.

The gateway (deploy/envoy/envoy.yaml, deploy/haproxy/haproxy.cfg.in) verifies RS256 or
ES256 tokens from issuer ISSUER for audience AUDIENCE and forwards `sub` (the customer
id) and `role` ("customer" or "operator") to the services; docs/security.md.

    key, public = make_key_pair(directory)            # PEM files, the private one 0600
    token = mint(key, "cust-1001")                    # a customer, valid for an hour
    metadata = [("authorization", f"Bearer {token}")]

As a command: `shop_jwt.py keys DIR` writes DIR/jwt.key and DIR/jwt.pub;
`shop_jwt.py mint KEY SUBJECT [--role operator] [--ttl 3600]` prints a token.
"""
import argparse
import os
import subprocess
import time

import jwt  # python3-jwt (PyJWT); signs with python3-cryptography

ISSUER = "https://auth.shop.example"
AUDIENCE = "shop-ai"


def make_key_pair(directory, alg="RS256"):
    """Writes <directory>/jwt.key (private, mode 0600) and jwt.pub; returns both paths."""
    key, public = os.path.join(directory, "jwt.key"), os.path.join(directory, "jwt.pub")
    generate = (["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
                if alg == "RS256" else
                ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    old = os.umask(0o077)
    try:
        subprocess.run(generate + ["-out", key], check=True, capture_output=True)
    finally:
        os.umask(old)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", public], check=True,
                   capture_output=True)
    return key, public


def mint(private_key_path, subject, role="customer", ttl=3600.0, alg="RS256",
         issuer=ISSUER, audience=AUDIENCE, now=None):
    """A signed token for `subject`; a negative `ttl` gives an expired one (for tests)."""
    now = time.time() if now is None else now
    with open(private_key_path, "rb") as f:
        key = f.read()
    claims = {"iss": issuer, "aud": audience, "sub": subject, "iat": int(now),
              "exp": int(now + ttl)}
    if role:
        claims["role"] = role
    return jwt.encode(claims, key, algorithm=alg)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    keys = sub.add_parser("keys", help="write DIR/jwt.key and DIR/jwt.pub")
    keys.add_argument("dir")
    keys.add_argument("--alg", default="RS256", choices=["RS256", "ES256"])
    m = sub.add_parser("mint", help="print a token")
    m.add_argument("key")
    m.add_argument("subject")
    m.add_argument("--role", default="customer")
    m.add_argument("--ttl", type=float, default=3600)
    m.add_argument("--alg", default="RS256", choices=["RS256", "ES256"])
    args = p.parse_args()
    if args.command == "keys":
        print("\n".join(make_key_pair(args.dir, args.alg)))
    else:
        print(mint(args.key, args.subject, args.role, args.ttl, args.alg))


if __name__ == "__main__":
    main()
