// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
// Built into libshop_spm_bridge.so, never into the server itself; no Abseil headers
// here. See spm_bridge.h.
#include "services/translator/spm_bridge.h"

#include <sentencepiece_processor.h>

namespace shop::translator {
namespace {

class SpmBridgeImpl : public SpmBridge {
 public:
  sentencepiece::SentencePieceProcessor sp;

  std::vector<int> Encode(std::string_view text) const override {
    std::vector<int> ids;
    // Encode only fails on an unloaded model, which Load rules out.
    (void)sp.Encode(text, &ids);
    return ids;
  }
  std::string Decode(const std::vector<int>& ids) const override {
    std::string text;
    (void)sp.Decode(ids, &text);
    return text;
  }
  int PieceToId(std::string_view piece) const override {
    const int id = sp.PieceToId(piece);
    // Unknown pieces map to the unk id; tell them apart from "<unk>" itself.
    if (id == sp.unk_id() && sp.IdToPiece(id) != piece) return -1;
    return id;
  }
  int VocabSize() const override { return sp.GetPieceSize(); }
};

}  // namespace
}  // namespace shop::translator

// The only symbol the bridge library exports (see spm_bridge_loader.cc).
extern "C" __attribute__((visibility("default"))) shop::translator::SpmBridge* ShopSpmBridgeCreate(
    const char* path, std::string* error) {
  auto impl = std::make_unique<shop::translator::SpmBridgeImpl>();
  const auto status = impl->sp.Load(path);
  if (!status.ok()) {
    *error = status.ToString();
    return nullptr;
  }
  return impl.release();
}
