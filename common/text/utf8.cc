// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/text/utf8.h"

namespace shop {

int DecodeUtf8(absl::string_view text, size_t pos, char32_t* code_point) {
  if (pos >= text.size()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    if (code_point != nullptr) *code_point = lead;
    return 1;
  }
  size_t length;
  char32_t value, smallest;  // `smallest` rejects overlong encodings
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return 0;  // a continuation byte or 0xF8..0xFF
  }
  if (text.size() - pos < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(pos + i) & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  if (code_point != nullptr) *code_point = value;
  return static_cast<int>(length);
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const int length = DecodeUtf8(text, pos, nullptr);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

int64_t CountCodePoints(absl::string_view text) {
  int64_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

void AppendUtf8(char32_t code_point, std::string* out) {
  const auto put = [out](char32_t byte) { out->push_back(static_cast<char>(byte)); };
  if (code_point < 0x80) {
    put(code_point);
  } else if (code_point < 0x800) {
    put(0xC0 | (code_point >> 6));
    put(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    put(0xE0 | (code_point >> 12));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  } else {
    put(0xF0 | (code_point >> 18));
    put(0x80 | ((code_point >> 12) & 0x3F));
    put(0x80 | ((code_point >> 6) & 0x3F));
    put(0x80 | (code_point & 0x3F));
  }
}

absl::string_view CodePointAt(absl::string_view text, size_t pos) {
  if (pos >= text.size()) return {};
  const int length = DecodeUtf8(text, pos, nullptr);
  return text.substr(pos, length > 0 ? length : 1);
}

absl::string_view CodePointBefore(absl::string_view text, size_t pos) {
  if (pos == 0 || pos > text.size()) return {};
  size_t begin = pos - 1;
  while (begin > 0 && pos - begin < 4 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) {
    --begin;
  }
  return text.substr(begin, pos - begin);
}

}  // namespace shop
