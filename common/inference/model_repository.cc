// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_repository.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/inference/model_files.h"
#include "common/logging.h"

namespace shop {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<int64_t>> ModelRepository::ListVersions(const std::string& model_dir) {
  std::error_code ec;
  fs::directory_iterator it(model_dir, ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("model directory ", model_dir, " cannot be read: ", ec.message()));
  }
  std::vector<int64_t> versions;
  for (const fs::directory_entry& entry : it) {
    int64_t v = 0;
    if (entry.is_directory(ec) && absl::SimpleAtoi(entry.path().filename().string(), &v) && v > 0) {
      versions.push_back(v);
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

std::string ModelRepository::VersionDir(int64_t version) const {
  return absl::StrCat(options_.root, "/", options_.name, "/", version);
}

std::string ModelRepository::Fingerprint(int64_t version) const {
  // Names, sizes and modification times of the files: any re-upload changes at least one.
  std::vector<std::string> parts;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(VersionDir(version), ec)) {
    const auto mtime = entry.last_write_time(ec).time_since_epoch().count();
    const auto size = entry.is_regular_file(ec) ? entry.file_size(ec) : 0;
    parts.push_back(absl::StrCat(entry.path().filename().string(), ":", size, ":", mtime));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, ";");
}

absl::StatusOr<std::shared_ptr<const TorchModel>> ModelRepository::LoadVersion(int64_t version) {
  const absl::Time start = absl::Now();
  auto model = TorchModel::Load(VersionDir(version), options_.variant);
  if (model.ok() && (*model)->version() != version) {
    model = absl::FailedPreconditionError(
        absl::StrCat(VersionDir(version), "/metadata.json says version ", (*model)->version(),
                     " but sits in directory ", version));
  }
  {
    absl::MutexLock lock(&mu_);
    if (model.ok() && current_ != nullptr &&
        !current_->metadata().SameSignature((*model)->metadata())) {
      model = absl::FailedPreconditionError(absl::StrCat(
          "version ", version, " of ", options_.name,
          " has a different input/output signature than serving version ", current_->version()));
    }
  }
  if (!model.ok()) {
    failed_[version] = Fingerprint(version);
    if (metrics_) metrics_->RecordLoad(false, version);
    if (metrics_ && IsModelIntegrityFailure(model.status())) {
      metrics_->RecordIntegrityFailure();
    }
    Log(LogLevel::kError, "model_load_failed",
        {{"model", options_.name}, {"version", version}, {"error", model.status()}});
    return model.status();
  }
  failed_.erase(version);
  Log(LogLevel::kInfo, "model_loaded",
      {{"model", options_.name}, {"version", version}, {"load_s", absl::Now() - start}});
  return model;
}

absl::StatusOr<std::unique_ptr<ModelRepository>> ModelRepository::Create(
    ModelRepositoryOptions options, InferenceMetrics* metrics) {
  if (options.name.empty()) return absl::InvalidArgumentError("model name is empty");
  std::unique_ptr<ModelRepository> repo(new ModelRepository(std::move(options), metrics));
  const std::string model_dir = absl::StrCat(repo->options_.root, "/", repo->options_.name);
  absl::StatusOr<std::vector<int64_t>> versions = ListVersions(model_dir);
  if (!versions.ok()) return versions.status();
  std::vector<int64_t> candidates;
  if (repo->options_.pinned_version > 0) {
    candidates.push_back(repo->options_.pinned_version);
  } else {
    candidates.assign(versions->rbegin(), versions->rend());
  }
  if (candidates.empty()) {
    return absl::NotFoundError(absl::StrCat("no version directories under ", model_dir));
  }
  absl::Status last_error;
  bool loaded = false;
  {
    // Nobody else can reach the repository yet, so this lock is never contended; it is
    // taken because LoadVersion records failures under it.
    ModelRepository* const raw = repo.get();
    absl::MutexLock poll_lock(&raw->poll_mu_);
    for (int64_t v : candidates) {
      auto model = raw->LoadVersion(v);
      if (model.ok()) {
        raw->SetCurrent(*std::move(model));
        if (metrics) metrics->RecordLoad(true, v);
        loaded = true;
        break;
      }
      last_error = model.status();
    }
  }
  if (!loaded) return last_error;
  if (repo->options_.poll_interval > absl::ZeroDuration()) {
    repo->poller_ = std::thread([raw = repo.get()] { raw->PollLoop(); });
  }
  return repo;
}

ModelRepository::~ModelRepository() {
  stop_.Notify();
  if (poller_.joinable()) poller_.join();
}

std::shared_ptr<const TorchModel> ModelRepository::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void ModelRepository::SetCurrent(std::shared_ptr<const TorchModel> model) {
  absl::MutexLock lock(&mu_);
  current_ = std::move(model);
}

absl::Status ModelRepository::Poll() {
  absl::MutexLock poll_lock(&poll_mu_);
  const std::string model_dir = absl::StrCat(options_.root, "/", options_.name);
  absl::StatusOr<std::vector<int64_t>> versions = ListVersions(model_dir);
  if (!versions.ok()) return versions.status();
  const int64_t serving = Current()->version();

  // Target: the pinned version, else the newest version not known to be broken.
  int64_t target = 0;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    if (options_.pinned_version > 0 && *it != options_.pinned_version) continue;
    auto failed = failed_.find(*it);
    if (failed != failed_.end() && failed->second == Fingerprint(*it)) {
      if (options_.pinned_version > 0) break;
      continue;
    }
    target = *it;
    break;
  }
  if (target == 0 || target == serving) return absl::OkStatus();

  auto model = LoadVersion(target);
  if (!model.ok()) return model.status();
  SetCurrent(*std::move(model));
  if (metrics_) metrics_->RecordLoad(true, target);
  Log(LogLevel::kInfo, "model_swapped",
      {{"model", options_.name}, {"from_version", serving}, {"to_version", target}});
  return absl::OkStatus();
}

void ModelRepository::PollLoop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval)) {
    Poll().IgnoreError();  // failures are logged and counted by LoadVersion
  }
}

}  // namespace shop
