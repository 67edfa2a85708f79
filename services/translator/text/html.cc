// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/html.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text/utf8.h"

namespace shop::translator {
namespace {

constexpr size_t kNotFound = absl::string_view::npos;

// Finds where the markup constructs of one document end. A search that once failed
// fails for every later start too, so the last occurrence of each terminator is noted up
// front: text full of "<" or "<!--" stays linear instead of quadratic.
class MarkupScanner {
 public:
  explicit MarkupScanner(absl::string_view html)
      : html_(html),
        lower_(absl::AsciiStrToLower(std::string(html))),
        last_gt_(lower_.rfind('>')),
        last_comment_end_(lower_.rfind("-->")),
        last_cdata_end_(lower_.rfind("]]>")) {}

  // The end of the construct starting at html[begin] == '<', or kNotFound when there is
  // none (then the "<" is text).
  size_t MarkupEnd(size_t begin) const {
    const absl::string_view rest = absl::string_view(lower_).substr(begin);
    if (absl::StartsWith(rest, "<!--")) {
      return Find("-->", begin + 2, last_comment_end_);  // "<!-->" is an empty comment
    }
    if (absl::StartsWith(rest, "<![cdata[")) return Find("]]>", begin, last_cdata_end_);
    if (absl::StartsWith(rest, "<!") || absl::StartsWith(rest, "<?")) {
      return Find(">", begin, last_gt_);
    }
    const bool end_tag = absl::StartsWith(rest, "</");
    const size_t name_begin = begin + (end_tag ? 2 : 1);
    if (name_begin >= html_.size() || !absl::ascii_isalpha(html_[name_begin])) return kNotFound;
    const size_t tag_end = TagEnd(begin);
    if (tag_end == kNotFound || end_tag) return tag_end;
    // The content of <script> and <style> is code, never text: it ends only at its end tag
    // (or with the document).
    size_t name_end = name_begin;
    while (name_end < html_.size() && absl::ascii_isalnum(html_[name_end])) ++name_end;
    const absl::string_view name = rest.substr(1, name_end - name_begin);
    if ((name != "script" && name != "style") || html_[tag_end - 2] == '/') return tag_end;
    const size_t close = lower_.find(absl::StrCat("</", name), tag_end);
    const size_t close_end = close == kNotFound ? kNotFound : TagEnd(close);
    return close_end == kNotFound ? html_.size() : close_end;
  }

 private:
  size_t Find(absl::string_view terminator, size_t from, size_t last) const {
    if (last == kNotFound || from > last) return kNotFound;
    return lower_.find(terminator.data(), from, terminator.size()) + terminator.size();
  }

  // The end of the tag at html[begin], skipping ">" inside quoted attribute values; a quote
  // that never closes is an ordinary character.
  size_t TagEnd(size_t begin) const {
    if (last_gt_ == kNotFound || begin > last_gt_) return kNotFound;
    for (size_t pos = begin + 1; pos < html_.size(); ++pos) {
      if (html_[pos] == '>') return pos + 1;
      if (html_[pos] == '"' || html_[pos] == '\'') {
        const size_t close = html_.find(html_[pos], pos + 1);
        if (close != kNotFound) pos = close;
      }
    }
    return kNotFound;
  }

  absl::string_view html_;
  std::string lower_;  // same offsets: ASCII lower-casing keeps every byte in place
  size_t last_gt_, last_comment_end_, last_cdata_end_;
};

// Named entities worth decoding: the common ones and the letters of de/fr/es.
constexpr std::pair<absl::string_view, absl::string_view> kNamedEntities[] = {
    {"amp", "&"},       {"lt", "<"},     {"gt", ">"},     {"quot", "\""},  {"apos", "'"},
    {"nbsp", "\u00A0"}, {"copy", "©"},   {"reg", "®"},    {"trade", "™"},  {"euro", "€"},
    {"pound", "£"},     {"yen", "¥"},    {"cent", "¢"},   {"sect", "§"},   {"deg", "°"},
    {"times", "×"},     {"divide", "÷"}, {"middot", "·"}, {"bull", "•"},   {"hellip", "…"},
    {"ndash", "–"},     {"mdash", "—"},  {"lsquo", "‘"},  {"rsquo", "’"},  {"sbquo", "‚"},
    {"ldquo", "“"},     {"rdquo", "”"},  {"bdquo", "„"},  {"laquo", "«"},  {"raquo", "»"},
    {"iexcl", "¡"},     {"iquest", "¿"}, {"ordf", "ª"},   {"ordm", "º"},   {"frac12", "½"},
    {"sup2", "²"},      {"sup3", "³"},   {"micro", "µ"},  {"szlig", "ß"},  {"auml", "ä"},
    {"ouml", "ö"},      {"uuml", "ü"},   {"Auml", "Ä"},   {"Ouml", "Ö"},   {"Uuml", "Ü"},
    {"agrave", "à"},    {"aacute", "á"}, {"acirc", "â"},  {"ccedil", "ç"}, {"egrave", "è"},
    {"eacute", "é"},    {"ecirc", "ê"},  {"euml", "ë"},   {"iacute", "í"}, {"icirc", "î"},
    {"iuml", "ï"},      {"ntilde", "ñ"}, {"oacute", "ó"}, {"ocirc", "ô"},  {"oelig", "œ"},
    {"uacute", "ú"},    {"ugrave", "ù"}, {"ucirc", "û"},  {"yuml", "ÿ"},   {"Agrave", "À"},
    {"Aacute", "Á"},    {"Ccedil", "Ç"}, {"Eacute", "É"}, {"Egrave", "È"}, {"Ecirc", "Ê"},
    {"Iacute", "Í"},    {"Ntilde", "Ñ"}, {"Oacute", "Ó"}, {"Uacute", "Ú"},
};

// Decodes the reference `name` (what stands between "&" and ";") into *out.
bool DecodeEntity(absl::string_view name, std::string* out) {
  if (absl::ConsumePrefix(&name, "#")) {
    uint32_t code_point;
    const bool hex = absl::ConsumePrefix(&name, "x") || absl::ConsumePrefix(&name, "X");
    if (name.empty() || name.size() > 7 ||
        !(hex ? absl::SimpleHexAtoi(name, &code_point) : absl::SimpleAtoi(name, &code_point)) ||
        !absl::ascii_isxdigit(name[0]) || code_point == 0 || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    AppendUtf8(code_point, out);
    return true;
  }
  for (const auto& [entity, decoded] : kNamedEntities) {
    if (name == entity) {
      absl::StrAppend(out, decoded);
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<HtmlSegment> SplitHtml(absl::string_view html) {
  const MarkupScanner scanner(html);
  std::vector<HtmlSegment> segments;
  std::vector<size_t> begins;  // of the segments, to merge neighbours of the same kind
  const auto add = [&](bool markup, size_t begin, size_t end) {
    if (!segments.empty() && segments.back().markup == markup)
      begin = begins.back();
    else
      segments.push_back({markup, {}}), begins.push_back(begin);
    segments.back().text = html.substr(begin, end - begin);
  };
  for (size_t pos = 0; pos < html.size();) {
    const size_t open = std::min(html.find('<', pos), html.size());
    if (open > pos) add(false, pos, open);
    if (open == html.size()) break;
    const size_t end = scanner.MarkupEnd(open);
    if (end == kNotFound) {
      add(false, open, open + 1);  // a "<" that opens nothing is text
      pos = open + 1;
    } else {
      add(true, open, end);
      pos = end;
    }
  }
  return segments;
}

std::string DecodeHtmlEntities(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t amp; (amp = text.find('&', pos)) != kNotFound;) {
    out.append(text.data() + pos, amp - pos);
    // Names in the table have at most 6 characters, "#x10FFFF" has 8.
    const size_t length = text.substr(amp + 1, 10).find(';');
    if (length != kNotFound && DecodeEntity(text.substr(amp + 1, length), &out)) {
      pos = amp + length + 2;
    } else {
      out += '&';
      pos = amp + 1;
    }
  }
  out.append(text.data() + pos, text.size() - pos);
  return out;
}

std::string EscapeHtmlText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size(); ++pos) {
    switch (text[pos]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        if (absl::StartsWith(text.substr(pos), "\u00A0")) {
          out += "&nbsp;";
          ++pos;
        } else {
          out += text[pos];
        }
    }
  }
  return out;
}

}  // namespace shop::translator
