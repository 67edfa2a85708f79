// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/data_paths.h"

#include <filesystem>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, data_root, "",
          "Directory that relative data paths (--model_root, --catalog, --kb, --orders_db, "
          "...) are read from; empty = the working directory (the repository root for "
          "scripts/run.sh).");

namespace shop {

std::string DataPath(const std::string& path) {
  const std::string root = absl::GetFlag(FLAGS_data_root);
  if (root.empty() || path.empty() || absl::StrContains(path, "://") ||
      std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(root) / path).string();
}

absl::Status CheckDataPath(absl::string_view flag, const std::string& path) {
  const std::string resolved = DataPath(path);
  std::error_code ec;
  if (std::filesystem::exists(resolved, ec)) return absl::OkStatus();
  const std::string absolute = std::filesystem::absolute(resolved, ec).string();
  const std::string root = absl::GetFlag(FLAGS_data_root);
  return absl::FailedPreconditionError(
      absl::StrCat("--", flag, "=", path, " resolves to ", absolute.empty() ? resolved : absolute,
                   ": no such file or directory; ",
                   root.empty() ? "run from the repository root, pass --data_root=<repository root>"
                                : absl::StrCat("check --data_root=", root),
                   ", or give --", flag, " an absolute path"));
}

}  // namespace shop
