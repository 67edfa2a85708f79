# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Walking parsed configs (YAML or JSON), shared by the deployment tests."""


def find_values(value, key):
    """Every value stored under `key` anywhere in a parsed YAML/JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from find_values(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from find_values(v, key)
