// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Strict UTF-8 checks and the few code point helpers the text layer needs. Requests are
// validated with IsValidUtf8 before anything else touches them; the rest assumes valid input.
#ifndef SHOP_COMMON_TEXT_UTF8_H_
#define SHOP_COMMON_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace shop {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no stray continuation bytes and no truncated sequences.
bool IsValidUtf8(absl::string_view text);

// The number of code points in valid UTF-8. In invalid input every byte that is not a
// continuation byte counts as one.
int64_t CountCodePoints(absl::string_view text);

// Decodes the code point starting at text[pos]: returns its length in bytes (1..4) and
// stores it in *code_point (when not null), or returns 0 when the bytes there are invalid.
int DecodeUtf8(absl::string_view text, size_t pos, char32_t* code_point);

// Appends the UTF-8 encoding of a valid code point (not a surrogate, at most U+10FFFF).
void AppendUtf8(char32_t code_point, std::string* out);

// The bytes of the code point that starts at `pos` / ends just before `pos`; empty at the
// edges of `text`. Meant for classifying neighbours with RE2 (\p{L} and friends).
absl::string_view CodePointAt(absl::string_view text, size_t pos);
absl::string_view CodePointBefore(absl::string_view text, size_t pos);

}  // namespace shop

#endif  // SHOP_COMMON_TEXT_UTF8_H_
