// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/html.h"

#include <algorithm>
#include <iterator>

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

struct NamedEntity {
  absl::string_view name;  // without "&" and ";"
  absl::string_view text;  // decoded, UTF-8
};

// All of HTML5's names that end in ";", sorted by name (gen_html_entities.py).
constexpr NamedEntity kNamedEntities[] = {
#include "services/translator/text/html_entities.inc"
};

// The longest name, "CounterClockwiseContourIntegral", has 31 characters and "#x10FFFF" 8.
constexpr size_t kMaxReferenceName = 31;

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
  const NamedEntity* const end = std::end(kNamedEntities);
  const NamedEntity* const found = std::lower_bound(
      std::begin(kNamedEntities), end, name,
      [](const NamedEntity& entity, absl::string_view key) { return entity.name < key; });
  if (found == end || found->name != name) return false;
  absl::StrAppend(out, found->text);
  return true;
}

// Decodes the references in `text`, calling on_text(copied) for each run copied as it was
// and on_reference(decoded, spelling) for each reference decoded.
template <typename OnText, typename OnReference>
std::string DecodeReferences(absl::string_view text, OnText on_text, OnReference on_reference) {
  std::string out;
  out.reserve(text.size());
  const auto copy = [&](size_t begin, size_t end) {
    if (end == begin) return;
    const size_t out_begin = out.size();
    out.append(text.data() + begin, end - begin);
    on_text(absl::string_view(out).substr(out_begin));
  };
  size_t pos = 0;
  for (size_t amp; (amp = text.find('&', pos)) != kNotFound;) {
    copy(pos, amp);
    const size_t length = text.substr(amp + 1, kMaxReferenceName + 1).find(';');
    const size_t decoded_begin = out.size();
    if (length != kNotFound && DecodeEntity(text.substr(amp + 1, length), &out)) {
      on_reference(absl::string_view(out).substr(decoded_begin), text.substr(amp, length + 2));
      pos = amp + length + 2;
    } else {
      copy(amp, amp + 1);
      pos = amp + 1;
    }
  }
  copy(pos, text.size());
  return out;
}

// The escape EscapeHtmlText uses for the character at text[pos], or empty for none.
absl::string_view DefaultEscape(absl::string_view text, size_t pos) {
  switch (text[pos]) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    default:
      return absl::StartsWith(text.substr(pos), "\u00A0") ? "&nbsp;" : "";
  }
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
  return DecodeReferences(
      text, [](absl::string_view) {}, [](absl::string_view, absl::string_view) {});
}

std::string EscapeHtmlText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const absl::string_view escape = DefaultEscape(text, pos);
    const absl::string_view code_point = CodePointAt(text, pos);
    if (escape.empty()) {
      out.append(code_point.data(), code_point.size());
    } else {
      out.append(escape.data(), escape.size());
    }
    pos += code_point.size();
  }
  return out;
}

size_t NamedHtmlEntityCount() { return std::size(kNamedEntities); }

std::string EntitySpellings::Decode(absl::string_view text) {
  return DecodeReferences(
      text,
      [this](absl::string_view unencoded) {
        for (size_t pos = 0; pos < unencoded.size();) {
          const absl::string_view code_point = CodePointAt(unencoded, pos);
          unencoded_.insert(std::string(code_point));
          pos += code_point.size();
        }
      },
      [this](absl::string_view decoded, absl::string_view spelling) {
        spellings_.try_emplace(std::string(decoded), spelling);
      });
}

std::string EntitySpellings::Escape(absl::string_view text) const {
  if (spellings_.empty()) return EscapeHtmlText(text);
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const absl::string_view escape = DefaultEscape(text, pos);
    const absl::string_view first = CodePointAt(text, pos);
    // A spelling for two code points ("&fjlig;", "&nvlt;") before one for the first alone.
    const absl::string_view pair =
        text.substr(pos, first.size() + CodePointAt(text, pos + first.size()).size());
    absl::string_view decoded, spelling;
    for (const absl::string_view candidate : {pair, first}) {
      const auto found = spellings_.find(candidate);
      if (found != spellings_.end() && (!escape.empty() || !unencoded_.contains(first))) {
        decoded = candidate;
        spelling = found->second;
        break;
      }
    }
    if (spelling.empty()) {
      decoded = first;
      spelling = escape.empty() ? first : escape;
    }
    out.append(spelling.data(), spelling.size());
    pos += decoded.size();
  }
  return out;
}

}  // namespace shop::translator
