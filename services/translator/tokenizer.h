// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The SentencePiece vocabulary a translation model was trained with. Immutable after
// Load, so concurrent requests share one instance.
#ifndef SHOP_SERVICES_TRANSLATOR_TOKENIZER_H_
#define SHOP_SERVICES_TRANSLATOR_TOKENIZER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/translator/spm_bridge.h"

namespace shop::translator {

class Tokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& model_path);

  // Piece ids of `text`. Placeholders such as "<ph0>" are single pieces (user-defined
  // symbols), and byte fallback means no input is ever unknown.
  std::vector<int> Encode(absl::string_view text) const {
    return sp_->Encode(std::string_view(text.data(), text.size()));
  }
  std::string Decode(const std::vector<int>& ids) const { return sp_->Decode(ids); }
  // -1 when the piece is not in the vocabulary.
  int PieceToId(absl::string_view piece) const {
    return sp_->PieceToId(std::string_view(piece.data(), piece.size()));
  }
  int vocab_size() const { return sp_->VocabSize(); }

 private:
  explicit Tokenizer(std::unique_ptr<SpmBridge> sp) : sp_(std::move(sp)) {}
  std::unique_ptr<SpmBridge> sp_;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TOKENIZER_H_
