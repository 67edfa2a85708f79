// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/text/utf8.h"

#include <string>

#include "tests/catch.h"

namespace shop {
namespace {

TEST_CASE("well-formed UTF-8 of every length is valid", "[utf8]") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ASCII"));
  CHECK(IsValidUtf8(std::string("nul\0inside", 10)));
  CHECK(IsValidUtf8("Grüße, ¿qué tal? €5 😀"));
  CHECK(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST_CASE("overlong encodings are invalid", "[utf8]") {
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));  // "/" in two bytes
  CHECK_FALSE(IsValidUtf8("\xC1\xBF"));
  CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // "/" in three bytes
  CHECK_FALSE(IsValidUtf8("\xF0\x82\x82\xAC"));  // "€" in four bytes
}

TEST_CASE("surrogates and code points above U+10FFFF are invalid", "[utf8]") {
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800
  CHECK_FALSE(IsValidUtf8("\xED\xBF\xBF"));      // U+DFFF
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

TEST_CASE("truncated sequences and stray continuation bytes are invalid", "[utf8]") {
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));         // "€" without its last byte
  CHECK_FALSE(IsValidUtf8("ok \xF0\x9F\x98"));  // "😀" cut at the end of the text
  CHECK_FALSE(
      IsValidUtf8("\xC3"
                  "a"));  // lead byte followed by ASCII
  CHECK_FALSE(IsValidUtf8("\x80"));
  CHECK_FALSE(
      IsValidUtf8("a\xBF"
                  "b"));
}

TEST_CASE("code points are counted, not bytes", "[utf8]") {
  CHECK(CountCodePoints("") == 0);
  CHECK(CountCodePoints("abc") == 3);
  CHECK(CountCodePoints("Grüße") == 5);
  CHECK(CountCodePoints("€5 😀") == 4);
}

TEST_CASE("encoding and decoding a code point round-trip", "[utf8]") {
  for (char32_t code_point : {U'A', U'ß', U'€', U'😀', U'\U0010FFFF'}) {
    std::string encoded;
    AppendUtf8(code_point, &encoded);
    char32_t decoded = 0;
    CHECK(DecodeUtf8(encoded, 0, &decoded) == static_cast<int>(encoded.size()));
    CHECK(decoded == code_point);
    CHECK(CodePointAt("x" + encoded, 1) == encoded);
    CHECK(CodePointBefore(encoded + "x", encoded.size()) == encoded);
  }
}

}  // namespace
}  // namespace shop
