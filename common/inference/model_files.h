// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Integrity of a model version's files. LibTorch does not check a TorchScript archive's
// CRCs: a model.pt with flipped bits loads and serves wrong answers (measured: top-10
// overlap 0 of 200 requests, scores 1,000 times too large). So each exporter records the
// SHA-256 of every served file in metadata.json ("sha256": {file: hex}, written by
// common/inference/model_checksums.py), and TorchModel::Load verifies them before loading
// anything. A version without checksums is refused unless --allow_unverified_models.
#ifndef SHOP_COMMON_INFERENCE_MODEL_FILES_H_
#define SHOP_COMMON_INFERENCE_MODEL_FILES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shop {

// Lower-case hex SHA-256 of a file's bytes; NOT_FOUND when it cannot be read.
absl::StatusOr<std::string> Sha256File(const std::string& path);

// Checks every file of `checksums` (name -> hex digest) in `version_dir`, and that each of
// `required` has a checksum. DATA_LOSS naming the file on a mismatch or a missing file
// (the message says "sha256"); FAILED_PRECONDITION when `checksums` is empty or lacks a
// required file, unless `allow_unverified` (then only the files listed are checked).
absl::Status VerifyModelFiles(const std::string& version_dir,
                              const std::map<std::string, std::string>& checksums,
                              const std::vector<std::string>& required, bool allow_unverified);

// True for a status VerifyModelFiles refused a version with (also after it passed through
// TorchModel::Load): what shop_model_integrity_failures_total counts.
bool IsModelIntegrityFailure(const absl::Status& status);

// Process-wide --allow_unverified_models (set by InferenceOptions::FromFlags). Off by
// default: an unverifiable model is refused.
void SetAllowUnverifiedModels(bool allow);
bool AllowUnverifiedModels();

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_MODEL_FILES_H_
