// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Where a binary's data files are read from. Flags whose defaults are paths inside the
// repository (--model_root=models, --catalog, --kb, --orders_db, ...) are relative; they
// resolve against --data_root (env SHOP_DATA_ROOT), by default the working directory, so
// that `scripts/run.sh` (run from the repository root) needs no flags and a binary started
// elsewhere is told what to pass instead of failing on a bare "cannot read".
#ifndef SHOP_COMMON_SERVER_DATA_PATHS_H_
#define SHOP_COMMON_SERVER_DATA_PATHS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shop {

// `path` resolved against --data_root: absolute paths and URLs ("postgresql://...") are
// returned as they are; a relative path is joined to --data_root when one is set.
std::string DataPath(const std::string& path);

// OK when DataPath(path) exists; otherwise FAILED_PRECONDITION naming the flag, the path
// it resolved to and what to pass ("--kb=services/support-bot/kb/articles.jsonl resolves to
// /srv/services/...: no such file; run from the repository root, pass
// --data_root=<repository root>, or give --kb an absolute path").
absl::Status CheckDataPath(absl::string_view flag, const std::string& path);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_DATA_PATHS_H_
