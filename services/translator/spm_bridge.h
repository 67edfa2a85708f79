// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A std-only facade over SentencePiece, loaded at run time from its own shared library.
//
// Two clashes make this necessary with Debian's libsentencepiece:
// - libsentencepiece.so carries its own copy of protobuf-lite 3.14, exported under the
//   same symbol names as the system libprotobuf 3.21 that gRPC uses. Linked into the
//   server, one copy's calls land in the other and the process aborts at start-up
//   ("compiled against version 3.14.0 ... not compatible with 3.21.12"). So the bridge
//   (libshop_spm_bridge.so, which links libsentencepiece) is dlopen()ed with
//   RTLD_LOCAL | RTLD_DEEPBIND: it and libsentencepiece resolve their own symbols first,
//   and nothing of theirs leaks into the global scope.
// - sentencepiece_processor.h declares `namespace absl { using std::string_view; }`,
//   which clashes with Debian's Abseil (whose absl::string_view is its own class), so
//   that header is only included in spm_bridge.cc, which includes no Abseil header.
// Only std types cross the boundary (one libstdc++ and one malloc serve both sides).
#ifndef SHOP_SERVICES_TRANSLATOR_SPM_BRIDGE_H_
#define SHOP_SERVICES_TRANSLATOR_SPM_BRIDGE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shop::translator {

class SpmBridge {
 public:
  // Loads the bridge library, then the SentencePiece model at `path`. Returns null and
  // sets *error when either fails.
  static std::unique_ptr<SpmBridge> Load(const std::string& path, std::string* error);
  virtual ~SpmBridge() = default;
  virtual std::vector<int> Encode(std::string_view text) const = 0;
  virtual std::string Decode(const std::vector<int>& ids) const = 0;
  virtual int PieceToId(std::string_view piece) const = 0;  // -1 if absent
  virtual int VocabSize() const = 0;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_SPM_BRIDGE_H_
