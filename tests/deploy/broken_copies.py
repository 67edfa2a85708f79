# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The verdict on one broken copy of a config, shared by the deployment tests: it must be
rejected, and for the reason the test broke it (a problem matching `want`), not another."""
import re


def rejected_as_expected(what, problems, want, where=""):
    """Prints ok/FAIL for the broken copy `what` and returns True on ok. `problems` are the
    validator's messages for it; `where` (optional) names the file holding the copy."""
    reason = next((p for p in problems if re.search(want, p)), None)
    if reason:
        print(f"ok: broken copy rejected ({what}): {reason.splitlines()[0][:200]}")
        return True
    verdict = "rejected for another reason: " + "; ".join(problems) if problems else "accepted"
    print(f"FAIL: broken copy ({what}{', ' + where if where else ''}) was {verdict} (wanted /{want}/)")
    return False
