// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes common/text/utf8: on any bytes, IsValidUtf8, DecodeUtf8, CountCodePoints,
// CodePointAt/CodePointBefore and AppendUtf8 must agree with each other (and with an
// independent reading of the UTF-8 definition for validity).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/text/utf8.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// RFC 3629's table of well-formed sequences, written independently of utf8.cc: the
// second byte's range depends on the first byte (no overlong forms, no surrogates,
// nothing past U+10FFFF).
size_t WellFormedLength(absl::string_view s, size_t pos) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  const auto in = [](unsigned char c, unsigned char lo, unsigned char hi) {
    return c >= lo && c <= hi;
  };
  const size_t left = s.size() - pos;
  const unsigned char c = b(0);
  if (c <= 0x7F) return 1;
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(b(1), 0x80, 0xBF) ? 2 : 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (in(c, 0xE0, 0xEF)) {
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    return left >= 3 && in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    return left >= 4 && in(b(1), lo, hi) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = shop::IsValidUtf8(text);

  bool reference_valid = true;
  int64_t decoded_count = 0;
  std::string reencoded;
  for (size_t pos = 0; pos < text.size();) {
    char32_t code_point = 0;
    const int length = shop::DecodeUtf8(text, pos, &code_point);
    const size_t reference = WellFormedLength(text, pos);
    Check(static_cast<size_t>(length) == reference);
    Check(length >= 0 && length <= 4);
    const absl::string_view at = shop::CodePointAt(text, pos);
    if (length == 0) {
      reference_valid = false;
      // An invalid byte is a "code point" of one byte to the neighbour helpers.
      Check(at.size() == 1 && at.data() == text.data() + pos);
      reencoded.push_back(text[pos]);
      ++pos;
      continue;
    }
    Check(code_point <= 0x10FFFF && !(code_point >= 0xD800 && code_point <= 0xDFFF));
    Check(at == text.substr(pos, length));
    // Encoding the decoded code point gives back the same bytes.
    std::string encoded;
    shop::AppendUtf8(code_point, &encoded);
    Check(encoded == text.substr(pos, length));
    reencoded += encoded;
    // CodePointBefore the end of this code point finds it again.
    Check(shop::CodePointBefore(text, pos + length) == at);
    ++decoded_count;
    pos += length;
  }
  Check(valid == reference_valid);
  Check(reencoded == text);

  // CountCodePoints: the decoded count for valid text; otherwise every byte that is not a
  // continuation byte counts one.
  int64_t lead_bytes = 0;
  for (char c : text) lead_bytes += !IsContinuation(c);
  Check(shop::CountCodePoints(text) == lead_bytes);
  if (valid) Check(decoded_count == lead_bytes);

  // The edges, and CodePointBefore at every position: a suffix of text[0, pos) of 1..4
  // bytes, never crossing into text past pos.
  Check(shop::CodePointAt(text, text.size()).empty());
  Check(shop::CodePointBefore(text, 0).empty());
  Check(shop::CodePointBefore(text, text.size() + 1).empty());
  Check(shop::DecodeUtf8(text, text.size(), nullptr) == 0);
  for (size_t pos = 1; pos <= text.size(); ++pos) {
    const absl::string_view before = shop::CodePointBefore(text, pos);
    Check(!before.empty() && before.size() <= 4);
    Check(before.data() + before.size() == text.data() + pos);
    if (valid) {
      // In valid text it is exactly the code point that ends at pos, when one does.
      const size_t begin = pos - before.size();
      if (!IsContinuation(text[begin]) && (pos == text.size() || !IsContinuation(text[pos]))) {
        Check(static_cast<size_t>(shop::DecodeUtf8(text, begin, nullptr)) == before.size());
      }
    }
  }

  // Every code point (the first 4 bytes read as one number) round-trips through
  // AppendUtf8 and DecodeUtf8.
  if (size >= 4) {
    char32_t code_point =
        (static_cast<char32_t>(data[0]) << 16 | data[1] << 8 | data[2]) % 0x110000;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point -= 0x800;
    std::string encoded;
    shop::AppendUtf8(code_point, &encoded);
    Check(shop::IsValidUtf8(encoded));
    char32_t decoded = 0;
    Check(static_cast<size_t>(shop::DecodeUtf8(encoded, 0, &decoded)) == encoded.size());
    Check(decoded == code_point);
    Check(shop::CountCodePoints(encoded) == 1);
  }
  return 0;
}
