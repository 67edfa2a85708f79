"""Inline markup the model must copy, not translate: format placeholders and HTML.

The server's SpanProtector (``text/span_protector.cc``, kinds kMarkup and
kFormatPlaceholder) swaps these spans for ``<phN>`` before translation; training
does the same to the storefront strings (shop-ui) that carry them, so the model
sees at training time exactly what the server feeds it.  The patterns here and
the RE2 patterns there are kept equal by ``tests/translator/markup_parity_test.py``.

Kinds, in the order the alternation tries them:
  * HTML tags (``<a href="%1">``, ``</strong>``, ``<br/>``) and character
    references (``&amp;``, ``&#8364;``, ``&hearts;``);
  * template variables ``{{base_url}}``, ``{{var order.id}}``;
  * printf/i18n placeholders ``%{count}``, ``%1``, ``%name``, ``{name}``.
A ``%`` right after a letter or digit is a percent sign ("100%"), not a placeholder.
"""
import re
from typing import List, Optional, Tuple

import vocab

MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # HTML tag
    r"|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"  # character reference
    r"|\{\{[^{}\n]{1,80}\}\}"  # {{template variable}}
    r"|(?<![A-Za-z0-9])%(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9]+|[A-Za-z_][A-Za-z0-9_]*)"  # %1 %name %{n}
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
)


def spans(text: str) -> List[str]:
    return [m.group(0) for m in MARKUP.finditer(text)]


def protect(text: str) -> str:
    """``text`` with each markup span replaced by <phN>, numbered in order of appearance
    (the server's numbering).  The caller checks there are at most NUM_PLACEHOLDERS."""
    numbers = iter(range(vocab.NUM_PLACEHOLDERS))
    return MARKUP.sub(lambda m: vocab.PLACEHOLDERS[next(numbers)], text)


def protect_pair(src: str, tgt: str) -> Optional[Tuple[str, str]]:
    """Replaces the markup spans of a pair by <phN> on both sides, numbered in source
    order (each occurrence its own N, as the server numbers them).  None when the pair has
    no markup, when the two sides do not carry the same spans, or when there are more
    spans than placeholders."""
    s_spans, t_spans = spans(src), spans(tgt)
    if not s_spans or sorted(s_spans) != sorted(t_spans) or len(s_spans) > vocab.NUM_PLACEHOLDERS:
        return None
    # Occurrence k of span text x in the source gets index idx; the target's occurrence k of x
    # gets the same index.
    by_text = {}
    for i, x in enumerate(s_spans):
        by_text.setdefault(x, []).append(i)
    new_src = protect(src)
    seen = {}

    def tgt_sub(m):
        x = m.group(0)
        k = seen.get(x, 0)
        seen[x] = k + 1
        return vocab.PLACEHOLDERS[by_text[x][k]]
    new_tgt = MARKUP.sub(tgt_sub, tgt)
    return new_src, new_tgt
