// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The shipped SentencePiece vocabulary through the C++ bridge: round trips, reserved
// symbols, and the protobuf isolation that makes the bridge necessary.
#include "services/translator/tokenizer.h"

#include <algorithm>

#include "shop/translator/v1/translator.pb.h"
#include "tests/catch.h"

namespace shop::translator {
namespace {

const Tokenizer& Shipped() {
  static std::unique_ptr<Tokenizer> tok = [] {
    auto t = Tokenizer::Load(std::string(SHOP_SOURCE_DIR) + "/models/translator/5/spm.model");
    REQUIRE(t.ok());
    return *std::move(t);
  }();
  return *tok;
}

TEST_CASE("Text round-trips through encode and decode") {
  // nmt_nfkc normalisation collapses runs of spaces and trims, so inputs are normalised.
  for (const std::string text :
       {"A man in a blue shirt is playing the guitar.", "Zwei Hunde spielen im Schnee.",
        "Ça coûte 12,50 € — très cher !", "¿Dónde está mi pedido?", "Ärmelloses weißes Top",
        "emoji 😀 and 漢字 fall back to bytes", "<ph0> rotes Kleid <ph1>"}) {
    INFO(text);
    const std::vector<int> ids = Shipped().Encode(text);
    CHECK(!ids.empty());
    CHECK(Shipped().Decode(ids) == text);
  }
}

TEST_CASE("Placeholders and language tags are single pieces") {
  for (const std::string piece : {"<ph0>", "<ph15>", "<2de>", "<2en>", "<2fr>", "<2es>"}) {
    INFO(piece);
    const int id = Shipped().PieceToId(piece);
    CHECK(id > 3);
    const std::vector<int> ids = Shipped().Encode(piece);
    CHECK(std::count(ids.begin(), ids.end(), id) == 1);
  }
  CHECK(Shipped().PieceToId("<ph99>") == -1);
  CHECK(Shipped().vocab_size() == 8000);
}

TEST_CASE("A missing vocabulary file is a status, not a crash") {
  auto t = Tokenizer::Load("/nonexistent/spm.model");
  REQUIRE(!t.ok());
  CHECK(t.status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("SentencePiece's private protobuf does not disturb the process's protobuf") {
  // Loading the bridge must leave gRPC's protobuf 3.21 intact: messages still serialise.
  Shipped();
  v1::TranslateRequest req;
  req.add_texts("Hallo");
  req.set_target_language("en");
  v1::TranslateRequest back;
  REQUIRE(back.ParseFromString(req.SerializeAsString()));
  CHECK(back.texts(0) == "Hallo");
}

}  // namespace
}  // namespace shop::translator
