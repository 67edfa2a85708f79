// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Paths of the TorchScript fixtures made by examples/minimal_service/make_models.py, and a scratch
// model repository per test.
#ifndef SHOP_TESTS_COMMON_TEST_MODELS_H_
#define SHOP_TESTS_COMMON_TEST_MODELS_H_

#include <filesystem>
#include <random>
#include <string>

#include "common/inference/model_repository.h"

namespace shop::testing {

inline std::string TestModelsDir() { return SHOP_TEST_MODELS_DIR; }

// Repository options for a test: `root`/`name`, no background polling (tests call Poll).
inline ModelRepositoryOptions RepositoryOptions(const std::string& root, const std::string& name) {
  ModelRepositoryOptions o;
  o.root = root;
  o.name = name;
  o.poll_interval = absl::ZeroDuration();
  return o;
}

// A fresh directory under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("shop_test_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Copies a fixture directory (relative to TestModelsDir()) to `dest`, via a temporary name
// and a rename, as a deployment should.
inline void DeployVersion(const std::string& fixture, const std::string& dest) {
  namespace fs = std::filesystem;
  const fs::path tmp = dest + ".tmp";
  fs::create_directories(fs::path(dest).parent_path());
  fs::copy(fs::path(TestModelsDir()) / fixture, tmp, fs::copy_options::recursive);
  fs::rename(tmp, dest);
}

}  // namespace shop::testing

#endif  // SHOP_TESTS_COMMON_TEST_MODELS_H_
