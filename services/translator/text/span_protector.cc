// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/span_protector.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/text/re2_util.h"
#include "common/text/utf8.h"
#include "re2/re2.h"

namespace shop::translator {
namespace {

// Function-local statics: compiled once, shared by all requests (RE2 is thread-safe).
const RE2& ReservedToken() {
  static const RE2 re(R"(<ph\d+>|<2[a-z]{2}>)");
  return re;
}

const RE2& Placeholder() {
  static const RE2 re(R"(<ph(\d+)>)");
  return re;
}

const RE2& Url() {
  static const RE2 re(R"((?i)(?:https?://|www\.)[^\s\x{A0}<>"]*[^\s\x{A0}<>"'.,;:!?()\[\]{}])");
  return re;
}

const RE2& Email() {
  static const RE2 re(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})");
  return re;
}

// services/translator/training/markup.py's MARKUP, alternative for alternative (RE2 and Python's re
// both take the first alternative that matches, leftmost first), with two differences RE2
// forces: Python's "(?<![A-Za-z0-9])" before "%" is checked by FindMarkup, and Python's
// Unicode \s is spelled out (RE2's \s is ASCII only). tests/translator/markup_parity_test.py
// holds the two to the same spans.
const RE2& Markup() {
  static const RE2 re(
      R"(</?[A-Za-z][A-Za-z0-9-]*(?:[\t-\r\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A})"
      R"(\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}][^<>]*)?/?>)"
      R"(|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)"
      R"(|\{\{[^{}\n]{1,80}\}\})"
      R"(|%(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9]+|[A-Za-z_][A-Za-z0-9_]*))"
      R"(|\{[A-Za-z_][A-Za-z0-9_]*\})");
  return re;
}

// €19.99, 19,99 €, $5, US$ 12.50, 20 EUR, USD 20, CHF 10.-, 1.299,00 €.
const RE2& Price() {
  static const RE2 re([] {
    const std::string currency =
        R"((?:US\$|C\$|A\$|CHF|EUR|USD|GBP|JPY|CAD|AUD|SEK|NOK|DKK|PLN|[€$£¥₹]))";
    const std::string amount = R"(\d+(?:[.,']\d{3})*(?:[.,](?:\d{1,2}|[-–]{1,2}))?)";
    const std::string space = R"([ \x{A0}]?)";
    return absl::StrCat(currency, space, amount, "|", amount, space, currency);
  }());
  return re;
}

// 12, 3.5, 1,000, 1.000,50, 12:30, 50%, 10x20, 42cm, +49 30 123456. Longer units come
// first: RE2 takes the first alternative that matches, and "42mm" must not stop at "42m".
const RE2& Number() {
  static const RE2 re([] {
    const std::string number = R"(\d+(?:[.,':/\-]\d+)*)";
    const std::string unit =
        "(?:mAh|mm|cm|km|mg|kg|ml|cl|dl|kWh|kW|Wh|Ah|MB|GB|TB|kHz|MHz|GHz|Hz|lbs|lb|oz|ft|in|px|"
        "°C|°F|°|m²|m³|m|g|l|L|W|V)";
    const std::string phone = R"(\+\d+(?:[ \-/]\d+)+)";
    return absl::StrCat(phone, "|", number, "(?: ?[x×] ?", number, ")*(?:[ \\x{A0}]?%|", unit,
                        ")?");
  }());
  return re;
}

// AB-1234, XJ9000, B07XYZ1234: letters and digits, maybe joined by - / _ or ".".
const RE2& SkuToken() {
  static const RE2 re(R"([\p{L}\p{N}]+(?:[-/_.][\p{L}\p{N}]+)*)");
  return re;
}

bool IsSku(absl::string_view token) {
  static const RE2 kDigit(R"(\d)");
  static const RE2 kLetter(R"(\p{L})");
  static const RE2 kOrdinal(R"(\d+(?:st|nd|rd|th|er|re|e|ème|º|ª))");
  // "2-pack", "5-year", "3-in-1": ordinary words the model should translate.
  static const RE2 kWordsAndNumbers(R"((?:\d+|\p{Ll}{2,})(?:[-/_.](?:\d+|\p{Ll}{2,}))+)");
  const re2::StringPiece piece = ToPiece(token);
  return RE2::PartialMatch(piece, kDigit) && RE2::PartialMatch(piece, kLetter) &&
         !RE2::FullMatch(piece, Number()) && !RE2::FullMatch(piece, kOrdinal) &&
         !RE2::FullMatch(piece, kWordsAndNumbers);
}

bool IsWordChar(absl::string_view code_point) {
  static const RE2 kWordChar(R"([\p{L}\p{N}_])");
  return !code_point.empty() && RE2::FullMatch(ToPiece(code_point), kWordChar);
}

// \b for any script, on both ends: a span that starts (ends) with a letter or digit must
// not continue a word before (after) it.
bool AtWordBoundaries(absl::string_view text, size_t begin, size_t end) {
  return !(IsWordChar(CodePointAt(text, begin)) && IsWordChar(CodePointBefore(text, begin))) &&
         !(IsWordChar(CodePointBefore(text, end)) && IsWordChar(CodePointAt(text, end)));
}

struct Candidate {
  size_t begin, end;
  SpanKind kind;
  const std::string* restored;  // the glossary target; null: the text itself

  size_t size() const { return end - begin; }
  bool Overlaps(const Candidate& other) const { return begin < other.end && other.begin < end; }
};

// Caller terms form one tier: the longest term wins, whatever list it came from. So do the
// two kinds of markup.
int Tier(SpanKind kind) {
  switch (kind) {
    case SpanKind::kGlossary:
      return static_cast<int>(SpanKind::kDoNotTranslate);
    case SpanKind::kFormatPlaceholder:
      return static_cast<int>(SpanKind::kMarkup);
    default:
      return static_cast<int>(kind);
  }
}

// Adds each match of `re` that sits at word boundaries and passes `keep`. After a match
// that starts inside a word ("x" in "xAB-12") or ends inside one ("20 EUR" in "20 EURO"),
// the search goes on after that word; after one `keep` rejects, after the match. Either
// way no text is scanned twice, whatever the input.
template <typename Keep>
void FindAll(const RE2& re, absl::string_view text, SpanKind kind, Keep keep,
             std::vector<Candidate>* out) {
  re2::StringPiece match;
  for (size_t pos = 0; pos < text.size() &&
                       re.Match(ToPiece(text), pos, text.size(), RE2::UNANCHORED, &match, 1);) {
    const size_t begin = match.data() - text.data(), end = begin + match.size();
    if (end == begin || !AtWordBoundaries(text, begin, end)) {
      pos = begin + std::max<size_t>(1, CodePointAt(text, begin).size());
      while (pos < text.size() && IsWordChar(CodePointAt(text, pos))) {
        pos += CodePointAt(text, pos).size();
      }
    } else {
      if (keep(ToView(match))) out->push_back({begin, end, kind, nullptr});
      pos = end;
    }
  }
}

// Adds the matches of Markup() as markup.py's MARKUP.finditer finds them: no word
// boundaries ("%1records" is "%1"), and a "%" right after an ASCII letter or digit is a
// percent sign ("100%", "50%off"), after which the search goes on at the next character.
void FindMarkup(absl::string_view text, std::vector<Candidate>* out) {
  re2::StringPiece match;
  for (size_t pos = 0; pos < text.size() && Markup().Match(ToPiece(text), pos, text.size(),
                                                           RE2::UNANCHORED, &match, 1);) {
    const size_t begin = match.data() - text.data(), end = begin + match.size();
    if (text[begin] == '%' && begin > 0 && absl::ascii_isalnum(text[begin - 1])) {
      pos = begin + 1;
      continue;
    }
    const bool html = text[begin] == '<' || text[begin] == '&';
    out->push_back({begin, end, html ? SpanKind::kMarkup : SpanKind::kFormatPlaceholder, nullptr});
    pos = end;
  }
}

// Adds each run of non-ASCII symbol or dash characters (SpanKind::kSymbol). ASCII ones
// ("-", "+", "$", "^") are left to the model: it copies them reliably.
void FindSymbols(absl::string_view text, std::vector<Candidate>* out) {
  static const RE2 kSymbolChar(R"([\p{So}\p{Sm}\p{Sk}\p{Sc}\p{Pd}])");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos;
    while (end < text.size()) {
      const absl::string_view cp = CodePointAt(text, end);
      if (cp.size() < 2 || !RE2::FullMatch(ToPiece(cp), kSymbolChar)) break;
      end += cp.size();
    }
    if (end > pos) {
      out->push_back({pos, end, SpanKind::kSymbol, nullptr});
      pos = end;
    } else {
      pos += std::max<size_t>(1, CodePointAt(text, pos).size());
    }
  }
}

void FindAll(const RE2& re, absl::string_view text, SpanKind kind, std::vector<Candidate>* out) {
  FindAll(
      re, text, kind, [](absl::string_view) { return true; }, out);
}

bool IsClosingPunctuation(char c) {
  return absl::string_view(".,;:!?)]}").find(c) != absl::string_view::npos;
}

// Appends `text` at the end of `sentence`, before its final punctuation if it has one.
void AppendBeforeFinalPunctuation(absl::string_view text, std::string* sentence) {
  static const RE2 kFinalPunctuation(R"((?s)(.*?)(\s*)([.!?…:;]+["'”’»›)\]]*)?)");
  re2::StringPiece head, space, tail;  // `space`: French puts one before "!", "?", ":"
  RE2::FullMatch(*sentence, kFinalPunctuation, &head, &space, &tail);
  std::string result(ToView(head));
  if (!result.empty()) result += ' ';
  absl::StrAppend(&result, text, ToView(space), ToView(tail));
  *sentence = std::move(result);
}

}  // namespace

SpanProtector::SpanProtector(const std::vector<std::string>& do_not_translate,
                             const std::vector<std::pair<std::string, std::string>>& glossary) {
  for (const std::string& term : do_not_translate) {
    const absl::string_view source = absl::StripAsciiWhitespace(term);
    if (!source.empty())
      terms_.push_back({std::string(source), std::string(source), SpanKind::kDoNotTranslate});
  }
  for (const auto& [source_term, target_term] : glossary) {
    const absl::string_view source = absl::StripAsciiWhitespace(source_term);
    if (!source.empty() && !target_term.empty())
      terms_.push_back({std::string(source), std::string(target_term), SpanKind::kGlossary});
  }
}

ProtectedSentence SpanProtector::Protect(absl::string_view sentence) const {
  std::vector<Candidate> candidates;
  FindAll(ReservedToken(), sentence, SpanKind::kReservedToken, &candidates);
  const size_t addresses_begin = candidates.size();
  FindAll(Url(), sentence, SpanKind::kUrl, &candidates);
  FindAll(Email(), sentence, SpanKind::kEmail, &candidates);
  const size_t addresses_end = candidates.size();
  std::vector<Candidate> markup;
  FindMarkup(sentence, &markup);
  // Markup outranks addresses where the two cross: a URL in an attribute ends at its quote,
  // inside the tag, and the tag must come back whole. But markup inside an address is part
  // of it ("https://x.com/?q=%1", "www.x.com/{lang}/"): protected with the address, not as
  // a placeholder that would leave the rest of the address to the model. A URL never ends
  // on "}" or ";", so one that ends inside a placeholder or reference that started within
  // it ("https://x.com/?q={{term}}") is first extended to take it in.
  for (size_t i = addresses_begin; i < addresses_end; ++i) {
    Candidate& address = candidates[i];
    for (const Candidate& m : markup) {
      if (address.begin < m.begin && m.begin < address.end && address.end < m.end) {
        address.end = m.end;
      }
    }
  }
  const auto in_address = [&](const Candidate& found) {
    return std::any_of(candidates.begin() + addresses_begin, candidates.begin() + addresses_end,
                       [&](const Candidate& a) {
                         return a.begin <= found.begin && found.end <= a.end &&
                                a.size() > found.size();
                       });
  };
  for (const Candidate& m : markup) {
    if (!in_address(m)) candidates.push_back(m);
  }
  for (const Term& term : terms_) {
    for (size_t begin = sentence.find(term.source); begin != absl::string_view::npos;
         begin = sentence.find(term.source, begin + 1)) {
      const Candidate found{begin, begin + term.source.size(), term.kind, &term.target};
      if (!in_address(found) && AtWordBoundaries(sentence, found.begin, found.end)) {
        candidates.push_back(found);
      }
    }
  }
  FindAll(Price(), sentence, SpanKind::kPrice, &candidates);
  FindAll(SkuToken(), sentence, SpanKind::kSku, IsSku, &candidates);
  FindAll(Number(), sentence, SpanKind::kNumber, &candidates);
  FindSymbols(sentence, &candidates);

  // Overlaps: the higher priority wins, then the longer span.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_tuple(Tier(a.kind), -static_cast<int64_t>(a.size()), a.kind, a.begin) <
           std::make_tuple(Tier(b.kind), -static_cast<int64_t>(b.size()), b.kind, b.begin);
  });
  std::vector<const Candidate*> chosen;
  for (const Candidate& candidate : candidates) {
    if (std::none_of(chosen.begin(), chosen.end(),
                     [&](const Candidate* c) { return c->Overlaps(candidate); })) {
      chosen.push_back(&candidate);
    }
  }
  // Too many: keep the higher priorities, then the earlier spans.
  const auto by_priority = [](const Candidate* a, const Candidate* b) {
    return std::make_pair(Tier(a->kind), a->begin) < std::make_pair(Tier(b->kind), b->begin);
  };
  std::sort(chosen.begin(), chosen.end(), by_priority);
  if (chosen.size() > size_t{kMaxPlaceholders}) chosen.resize(kMaxPlaceholders);
  std::sort(chosen.begin(), chosen.end(),
            [](const Candidate* a, const Candidate* b) { return a->begin < b->begin; });

  ProtectedSentence result;
  size_t pos = 0;
  for (const Candidate* c : chosen) {
    const int index = static_cast<int>(result.spans.size());
    const std::string original(sentence.substr(c->begin, c->size()));
    absl::StrAppend(&result.text, sentence.substr(pos, c->begin - pos), "<ph", index, ">");
    result.spans.push_back(
        {index, c->kind, original, c->restored != nullptr ? *c->restored : original});
    pos = c->end;
  }
  absl::StrAppend(&result.text, sentence.substr(pos));
  return result;
}

std::string Restore(absl::string_view translated, const std::vector<ProtectedSpan>& spans,
                    RestoreStats* stats) {
  RestoreStats local;
  std::vector<bool> used(spans.size(), false);
  std::string out;
  size_t pos = 0;
  re2::StringPiece match[2];
  while (pos < translated.size() && Placeholder().Match(ToPiece(translated), pos, translated.size(),
                                                        RE2::UNANCHORED, match, 2)) {
    const size_t begin = match[0].data() - translated.data();
    out.append(translated.data() + pos, begin - pos);
    pos = begin + match[0].size();
    size_t n;
    const bool known = absl::SimpleAtoi(ToView(match[1]), &n) && n < spans.size();
    if (known && !used[n]) {
      used[n] = true;
      ++local.restored;
      const std::string& text = spans[n].restored;
      // The model may glue a word to the placeholder; the span was a word of its own.
      if (IsWordChar(CodePointBefore(out, out.size())) && IsWordChar(CodePointAt(text, 0))) {
        out += ' ';
      }
      out += text;
      if (IsWordChar(CodePointBefore(text, text.size())) &&
          IsWordChar(CodePointAt(translated, pos))) {
        out += ' ';
      }
      continue;
    }
    ++(known ? local.duplicated : local.unknown);
    // Drop it without leaving a double space or a space before punctuation.
    if (out.empty() || out.back() == ' ') {
      while (pos < translated.size() && translated[pos] == ' ') ++pos;
    }
    if (!out.empty() && out.back() == ' ' &&
        (pos == translated.size() || IsClosingPunctuation(translated[pos]))) {
      out.pop_back();
    }
  }
  out.append(translated.data() + pos, translated.size() - pos);
  out = std::string(absl::StripAsciiWhitespace(out));
  for (size_t i = 0; i < spans.size(); ++i) {
    if (used[i]) continue;
    ++local.missing;
    AppendBeforeFinalPunctuation(spans[i].restored, &out);
  }
  if (stats != nullptr) {
    stats->restored += local.restored;
    stats->missing += local.missing;
    stats->duplicated += local.duplicated;
    stats->unknown += local.unknown;
  }
  return out;
}

bool HasWordsToTranslate(absl::string_view protected_text) {
  static const RE2 kLetter(R"(\p{L})");
  std::string text(protected_text);
  RE2::GlobalReplace(&text, Placeholder(), " ");
  return RE2::PartialMatch(text, kLetter);
}

int CountReservedTokens(absl::string_view text) {
  int count = 0;
  re2::StringPiece input = ToPiece(text);
  while (RE2::FindAndConsume(&input, ReservedToken())) ++count;
  return count;
}

}  // namespace shop::translator
