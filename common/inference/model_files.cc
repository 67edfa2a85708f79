// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_files.h"

#include <openssl/evp.h>

#include <atomic>
#include <fstream>
#include <memory>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace shop {
namespace {

std::atomic<bool> g_allow_unverified{false};

constexpr char kIntegrityPayload[] = "type.shop.ai/model_integrity_failure";

// Marks a refusal of VerifyModelFiles, so that callers can tell it from other load errors
// without reading its message.
absl::Status IntegrityFailure(absl::Status status) {
  status.SetPayload(kIntegrityPayload, absl::Cord("1"));
  return status;
}

}  // namespace

bool IsModelIntegrityFailure(const absl::Status& status) {
  return status.GetPayload(kIntegrityPayload).has_value();
}

void SetAllowUnverifiedModels(bool allow) { g_allow_unverified.store(allow); }
bool AllowUnverifiedModels() { return g_allow_unverified.load(); }

// OpenSSL's libcrypto (already linked by gRPC), not a hand-written SHA-256: it is the
// audited implementation, with the CPU's SHA extensions where present.
absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("OpenSSL cannot start a SHA-256 digest");
  }
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0 &&
        EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(in.gcount())) != 1) {
      return absl::InternalError("OpenSSL SHA-256 update failed");
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("read error in ", path));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    return absl::InternalError("OpenSSL SHA-256 final failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

absl::Status VerifyModelFiles(const std::string& version_dir,
                              const std::map<std::string, std::string>& checksums,
                              const std::vector<std::string>& required, bool allow_unverified) {
  if (!allow_unverified) {
    if (checksums.empty()) {
      return IntegrityFailure(absl::FailedPreconditionError(absl::StrCat(
          version_dir,
          "/metadata.json has no sha256 checksums, so a corrupted file would go unnoticed; "
          "record them (common/inference/model_checksums.py) or start with "
          "--allow_unverified_models")));
    }
    for (const std::string& name : required) {
      if (checksums.count(name) == 0) {
        return IntegrityFailure(absl::FailedPreconditionError(
            absl::StrCat(version_dir, "/metadata.json has no sha256 checksum for ", name)));
      }
    }
  }
  for (const auto& [name, expected] : checksums) {
    // Names are plain file names of this directory: no way out of it.
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return IntegrityFailure(absl::InvalidArgumentError(absl::StrCat(
          version_dir, "/metadata.json: sha256 names \"", name, "\", not a file name")));
    }
    absl::StatusOr<std::string> actual = Sha256File(version_dir + "/" + name);
    if (!actual.ok()) {
      return IntegrityFailure(absl::DataLossError(
          absl::StrCat(version_dir, "/", name, ": listed with a sha256 in metadata.json but ",
                       actual.status().message())));
    }
    if (*actual != expected) {
      return IntegrityFailure(absl::DataLossError(absl::StrCat(
          version_dir, "/", name, ": sha256 ", *actual, " differs from metadata.json's ", expected,
          " (corrupted, truncated or swapped file); version refused")));
    }
  }
  return absl::OkStatus();
}

}  // namespace shop
