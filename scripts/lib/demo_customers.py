# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Demo customers for scripts that change orders through the bot (fault tests, benchmarks).

Signed-in demo customers (services/support-bot/demo/orders.jsonl), each with an order that may
still be cancelled or re-addressed (placed or paid), and a new address in the order's
country ({n}: a house number, new for every change).
"""

ORDER_CUSTOMERS = [
    ("cust-1001", "ORD-35032582", "Anna Schmidt, Torstrasse {n}, 10119 Berlin"),
    ("cust-1002", "ORD-36480894", "Lucas Martin, {n} rue Garibaldi, 69006 Lyon"),
    ("cust-1003", "ORD-37784483", "Sofía García, Calle de Alcalá {n}, 28014 Madrid"),
    ("cust-1005", "ORD-39722233", "Emily Johnson, {n} W 34th St, 10001 New York"),
    ("cust-1006", "ORD-42175294", "Noah Meier, Limmatquai {n}, 8001 Zürich"),
    ("cust-1010", "ORD-59962626", "Max Weber, Marktplatz {n}, 70173 Stuttgart"),
]
