// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/tokenizer.h"

#include "absl/strings/str_cat.h"

namespace shop::translator {

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& model_path) {
  std::string error;
  std::unique_ptr<SpmBridge> sp = SpmBridge::Load(model_path, &error);
  if (sp == nullptr) {
    return absl::DataLossError(
        absl::StrCat("cannot load SentencePiece model ", model_path, ": ", error));
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(sp)));
}

}  // namespace shop::translator
