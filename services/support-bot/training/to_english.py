"""A customer message's path into English, as the support bot takes it, in Python.

The bot (services/support-bot/support_bot_service.cc, translator_client.cc) classifies
the English text: a message whose locale is English is used as it is; any other goes to
the translator as one Translate request (source = the locale's language, target "en",
CONTENT_TYPE_MESSAGE, plain text, no glossary, default options) and the translation is
classified.  The translator server (services/translator/translation_engine.cc,
text/prepared_text.cc) then
  1. splits the message into sentences (text/sentence_splitter.cc),
  2. swaps the spans the model must copy (URLs, e-mail addresses, prices, SKUs and order
     numbers such as ORD-12345678, numbers, markup) for <ph0>..<ph15>
     (text/span_protector.cc),
  3. decodes each sentence that still has a letter to translate, by beam search with the
     server's defaults (beam 4, the model's default length penalty),
  4. swaps the placeholders back (Restore) and joins the sentences with the whitespace
     that separated them.
Steps 1, 2 and 4 are ported here from the C++ (regular expressions and rules as there;
the caller terms -- do-not-translate and glossary -- are left out: the bot sends none);
step 3 is services/translator/training/translate.py's Translator, the Python twin of the server's
decoder.  The port is close, not byte-exact: the C++ works on UTF-8 bytes with RE2's
Unicode classes, this on code points with Python's.
"""
import importlib.util
import os
import re
import sys
import unicodedata
from typing import List, Sequence, Tuple

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TRANSLATOR_DIR = os.path.join(REPO_ROOT, "services", "translator", "training")
DEFAULT_TRANSLATOR_MODEL = os.path.join(REPO_ROOT, "models", "translator", "6")


def _load_translator_module(name):
    """services/translator/<name>.py under a name of its own: the translator and the
    intent classifier both have modules called data, model, train, export, evaluate."""
    key = "shop_translator_" + name
    if key not in sys.modules:
        if TRANSLATOR_DIR not in sys.path:
            sys.path.append(TRANSLATOR_DIR)  # after ours: markup.py imports vocab
        spec = importlib.util.spec_from_file_location(key, os.path.join(TRANSLATOR_DIR, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


# ----------------------------------------------------------------- sentence splitting
# text/sentence_splitter.cc

_WHITESPACE = " \t\n\v\f\r\u00a0\u2028\u2029"
_LINE_BREAKS = "\n\r\v\f\u2028\u2029"
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "approx", "fig", "vol", "dept", "ref",
    "nr", "ca", "bzw", "inkl", "exkl", "zzgl", "ggf", "evtl", "vgl", "str", "hr", "fr", "dipl",
    "bspw", "sog", "max", "mind", "tel",
    "mme", "mlle", "env", "cf", "av", "bd",
    "sra", "srta", "dra", "ud", "uds", "aprox", "pág", "núm", "dña"}
_ABBREVIATIONS_BEFORE_NUMBERS = {"no", "nos", "art", "p", "pp", "s", "abb", "kap"}
_CLOSING_ONLY = re.compile(r"[\"'”’»›)\]]+")
_TERMINATED = re.compile(r"[(\[\"'“‘„«‹¿¡]*(.*?)([.!?…]+)[\"'”’»›)\]]*", re.S)
_DOTTED = re.compile(r"[^\W\d_]{1,2}(?:\.[^\W\d_]{1,2})+")
_DAY_OF_MONTH = re.compile(r"[0-9]{1,2}")
_GERMAN_MONTH = re.compile(r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|"
                           r"Oktober|November|Dezember)\b")


def _starts_sentence(next_text):
    if not next_text:
        return False
    c = next_text[0]
    return unicodedata.category(c) in ("Lu", "Nd") or c in "\"'“‘„«‹([¿¡"


def _ends_sentence(previous, token, next_text):
    if _CLOSING_ONLY.fullmatch(token):
        token = previous
    m = _TERMINATED.fullmatch(token)
    if not _starts_sentence(next_text) or not m:
        return False
    word, terminator = m.group(1), m.group(2)
    if terminator != ".":
        return True
    if not word:
        return True
    if _DAY_OF_MONTH.fullmatch(word) and _GERMAN_MONTH.match(next_text):
        return False
    if next_text[0] in "0123456789" and word.lower() in _ABBREVIATIONS_BEFORE_NUMBERS:
        return False
    initial = len(word) == 1 and unicodedata.category(word) == "Lu"
    return not (initial or _DOTTED.fullmatch(word) or word.lower() in _ABBREVIATIONS)


def split_sentences(text: str) -> List[Tuple[bool, str]]:
    """[(is_sentence, text)]: sentences and the whitespace runs between them, alternating;
    joined they give back `text`."""
    segments = []
    sentence_begin = token_begin = 0
    previous = ""
    pos, n = 0, len(text)
    while pos < n:
        if text[pos] not in _WHITESPACE:
            pos += 1
            continue
        run_begin = pos
        line_break = False
        while pos < n and text[pos] in _WHITESPACE:
            line_break = line_break or text[pos] in _LINE_BREAKS
            pos += 1
        token = text[token_begin:run_begin]
        ends = run_begin == 0 or pos == n or line_break or _ends_sentence(previous, token, text[pos:])
        previous = token
        token_begin = pos
        if ends:
            if run_begin > sentence_begin:
                segments.append((True, text[sentence_begin:run_begin]))
            segments.append((False, text[run_begin:pos]))
            sentence_begin = pos
    if sentence_begin < n:
        segments.append((True, text[sentence_begin:]))
    return segments


# ----------------------------------------------------------------- span protection
# text/span_protector.cc (without caller terms)

MAX_PLACEHOLDERS = 16
RESERVED, MARKUP, FORMAT, URL, EMAIL, PRICE, SKU, NUMBER, SYMBOL = 0, 1, 2, 5, 6, 7, 8, 9, 10
KIND_NAMES = {RESERVED: "reserved", MARKUP: "markup", FORMAT: "format", URL: "url", EMAIL: "email",
              PRICE: "price", SKU: "sku", NUMBER: "number"}

_RESERVED_TOKEN = re.compile(r"<ph[0-9]+>|<2[a-z]{2}>")
_PLACEHOLDER = re.compile(r"<ph([0-9]+)>")
_RE2_SPACE = "\t\n\f\r "  # RE2's \s is ASCII
_URL = re.compile(r"(?i)(?:https?://|www\.)[^" + _RE2_SPACE + "\u00a0<>\"]*"
                  r"[^" + _RE2_SPACE + "\u00a0<>\"'.,;:!?()\\[\\]{}]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_CURRENCY = r"(?:US\$|C\$|A\$|CHF|EUR|USD|GBP|JPY|CAD|AUD|SEK|NOK|DKK|PLN|[€$£¥₹])"
_AMOUNT = r"[0-9]+(?:[.,'][0-9]{3})*(?:[.,](?:[0-9]{1,2}|[-–]{1,2}))?"
_PRICE = re.compile(f"{_CURRENCY}[ \u00a0]?{_AMOUNT}|{_AMOUNT}[ \u00a0]?{_CURRENCY}")
_NUM = r"[0-9]+(?:[.,':/\-][0-9]+)*"
_UNIT = ("(?:mAh|mm|cm|km|mg|kg|ml|cl|dl|kWh|kW|Wh|Ah|MB|GB|TB|kHz|MHz|GHz|Hz|lbs|lb|oz|ft|in|px|"
         "°C|°F|°|m²|m³|m|g|l|L|W|V)")
_NUMBER = re.compile(r"\+[0-9]+(?:[ \-/][0-9]+)+|" + _NUM + "(?: ?[x×] ?" + _NUM + ")*(?:[ \u00a0]?%|"
                     + _UNIT + ")?")
_SKU_TOKEN = re.compile(r"[^\W_]+(?:[-/_.][^\W_]+)*")
_ORDINAL = re.compile(r"[0-9]+(?:st|nd|rd|th|er|re|e|ème|º|ª)")


def _is_word_char(c):
    return bool(c) and (c == "_" or unicodedata.category(c)[0] in "LN")


def _is_sku(token):
    if not (any(c.isdigit() for c in token) and any(unicodedata.category(c)[0] == "L" for c in token)):
        return False
    if _NUMBER.fullmatch(token) or _ORDINAL.fullmatch(token):
        return False
    # "2-pack", "5-year", "3-in-1": words and numbers joined, the model translates them.
    parts = re.split(r"[-/_.]", token)
    words_and_numbers = len(parts) > 1 and all(
        (p.isascii() and p.isdigit()) or
        (len(p) >= 2 and all(unicodedata.category(c) == "Ll" for c in p)) for p in parts)
    return not words_and_numbers


def _at_word_boundaries(text, begin, end):
    before = text[begin - 1] if begin > 0 else ""
    after = text[end] if end < len(text) else ""
    first = text[begin] if begin < len(text) else ""
    last = text[end - 1] if end > 0 else ""
    return not (_is_word_char(first) and _is_word_char(before)) and \
        not (_is_word_char(last) and _is_word_char(after))


def _find_all(pattern, text, kind, out, keep=lambda s: True):
    pos = 0
    while pos < len(text):
        m = pattern.search(text, pos)
        if not m:
            break
        begin, end = m.span()
        if end == begin or not _at_word_boundaries(text, begin, end):
            pos = begin + 1
            while pos < len(text) and _is_word_char(text[pos]):
                pos += 1
        else:
            if keep(m.group(0)):
                out.append([begin, end, kind])
            pos = end


def _is_symbol(c):
    """SpanKind::kSymbol's characters: non-ASCII symbols and dashes."""
    return ord(c) > 0x7F and unicodedata.category(c) in ("So", "Sm", "Sk", "Sc", "Pd")


def _find_symbols(text, out):
    pos = 0
    while pos < len(text):
        end = pos
        while end < len(text) and _is_symbol(text[end]):
            end += 1
        if end > pos:
            out.append([pos, end, SYMBOL])
            pos = end
        else:
            pos += 1


def _tier(kind):
    return MARKUP if kind == FORMAT else kind


def protect(sentence: str) -> Tuple[str, List[Tuple[int, str]]]:
    """(sentence with <phN> for each protected span, [(kind, original)] by N)."""
    markup = _load_translator_module("markup")
    cands = []
    _find_all(_RESERVED_TOKEN, sentence, RESERVED, cands)
    a0 = len(cands)
    _find_all(_URL, sentence, URL, cands)
    _find_all(_EMAIL, sentence, EMAIL, cands)
    a1 = len(cands)
    found = [[m.start(), m.end(), MARKUP if m.group(0)[0] in "<&" else FORMAT]
             for m in markup.MARKUP.finditer(sentence)]
    for address in cands[a0:a1]:
        for m in found:
            if address[0] < m[0] < address[1] < m[1]:
                address[1] = m[1]

    def in_address(c):
        return any(a[0] <= c[0] and c[1] <= a[1] and a[1] - a[0] > c[1] - c[0] for a in cands[a0:a1])

    cands += [m for m in found if not in_address(m)]
    _find_all(_PRICE, sentence, PRICE, cands)
    _find_all(_SKU_TOKEN, sentence, SKU, cands, _is_sku)
    _find_all(_NUMBER, sentence, NUMBER, cands)
    _find_symbols(sentence, cands)
    cands.sort(key=lambda c: (_tier(c[2]), -(c[1] - c[0]), c[2], c[0]))
    chosen = []
    for c in cands:
        if all(c[1] <= o[0] or o[1] <= c[0] for o in chosen):
            chosen.append(c)
    chosen.sort(key=lambda c: (_tier(c[2]), c[0]))
    chosen = sorted(chosen[:MAX_PLACEHOLDERS], key=lambda c: c[0])
    out, spans, pos = [], [], 0
    for begin, end, kind in chosen:
        out.append(sentence[pos:begin] + f"<ph{len(spans)}>")
        spans.append((kind, sentence[begin:end]))
        pos = end
    out.append(sentence[pos:])
    return "".join(out), spans


_FINAL_PUNCTUATION = re.compile(r"(.*?)([" + _RE2_SPACE + r"]*)([.!?…:;]+[\"'”’»›)\]]*)?", re.S)


def restore(translated: str, spans: Sequence[Tuple[int, str]]) -> str:
    """Restore(): each <phN> back to its span; a repeated or unknown one is dropped, and a
    span the model dropped is appended before the final punctuation."""
    used = [False] * len(spans)
    out = ""
    pos = 0
    while pos < len(translated):
        m = _PLACEHOLDER.search(translated, pos)
        if not m:
            break
        out += translated[pos:m.start()]
        pos = m.end()
        n = int(m.group(1))
        if n < len(spans) and not used[n]:
            used[n] = True
            text = spans[n][1]
            if out and _is_word_char(out[-1]) and _is_word_char(text[:1]):
                out += " "
            out += text
            if _is_word_char(text[-1:]) and pos < len(translated) and _is_word_char(translated[pos]):
                out += " "
            continue
        if not out or out[-1] == " ":
            while pos < len(translated) and translated[pos] == " ":
                pos += 1
        if out and out[-1] == " " and (pos == len(translated) or translated[pos] in ".,;:!?)]}"):
            out = out[:-1]
    out += translated[pos:]
    out = out.strip(" \t\n\v\f\r")
    for i, (_, text) in enumerate(spans):
        if used[i]:
            continue
        head, space, tail = _FINAL_PUNCTUATION.fullmatch(out).groups()
        out = (head + " " if head else "") + text + space + (tail or "")
    return out


def has_words_to_translate(protected: str) -> bool:
    return any(unicodedata.category(c)[0] == "L" for c in _PLACEHOLDER.sub(" ", protected))


# ----------------------------------------------------------------- the whole path

class ToEnglish:
    """Messages in a customer's language -> the English text the bot classifies."""

    def __init__(self, model_dir=DEFAULT_TRANSLATOR_MODEL, threads=1, beam=4, length_penalty=0.0):
        translate = _load_translator_module("translate")
        self.model_dir = model_dir
        self.translator = translate.Translator(model_dir, int8=False, threads=threads)
        self.beam, self.length_penalty = beam, length_penalty  # 0: the model's default

    def __call__(self, texts: Sequence[str], language: str) -> List[str]:
        return [e for e, _ in self.scored(texts, language)]

    def scored(self, texts: Sequence[str], language: str) -> List[Tuple[str, float]]:
        """(English, the translator's confidence for the whole text): the server's
        TranslationEngine sums log-probabilities and tokens over the sentences the model
        translated and calibrates the mean (translate.Translator.confidence); 1.0 when no
        sentence needed the model."""
        if language == "en":  # TranslatorClient::ToEnglish: an English locale is not sent
            return [(t, 1.0) for t in texts]
        # Per text: [(separator text | None, protected sentence, spans, needs model)].
        prepared, inputs = [], []
        for text in texts:
            parts = []
            for is_sentence, seg in split_sentences(text):
                if not is_sentence:
                    parts.append((seg, None, None, False))
                    continue
                protected, spans = protect(seg)
                if len(_RESERVED_TOKEN.findall(protected)) != len(spans):
                    parts.append((seg, None, None, False))  # left untranslated, as the server does
                    continue
                needs = has_words_to_translate(protected)
                if needs:
                    inputs.append(protected)
                parts.append((None, protected, spans, needs))
            prepared.append(parts)
        # One batch for all sentences, as the server batches one language's sentences.
        decoded = iter(self.translator.translate_totals(inputs, "en", beam=self.beam,
                                                        length_penalty=self.length_penalty)
                       if inputs else [])
        out = []
        for parts in prepared:
            s, log_prob, tokens = "", 0.0, 0
            for verbatim, protected, spans, needs in parts:
                if verbatim is not None:
                    s += verbatim
                elif needs:
                    text, lp, n = next(decoded)
                    s += restore(text, spans)
                    log_prob, tokens = log_prob + lp, tokens + n
                else:
                    s += restore(protected, spans)
            out.append((s, self.translator.confidence(log_prob / tokens) if tokens else 1.0))
        return out
