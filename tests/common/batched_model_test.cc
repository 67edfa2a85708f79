// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/batched_model.h"

#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop {
namespace {

using testing::TestModelsDir;

std::shared_ptr<const TorchModel> LoadFixture(const std::string& dir) {
  auto model = TorchModel::Load(TestModelsDir() + "/" + dir);
  REQUIRE(model.ok());
  return *model;
}

TEST_CASE("a model loads, warms up and computes its known function", "[model]") {
  auto model = LoadFixture("repo/example/2");
  CHECK(model->version() == 2);
  // Version 2: output j = 2 * (j + 1) * sum(x) + j.
  auto out = model->Forward({torch::tensor({{1.f, 2.f, 3.f, 4.f}})});
  REQUIRE(out.ok());
  CHECK((*out)[0][0][0].item<float>() == Approx(20.f));
  CHECK((*out)[0][0][1].item<float>() == Approx(41.f));
}

TEST_CASE("loading a corrupt TorchScript file is an error, not a crash", "[model]") {
  auto model = TorchModel::Load(TestModelsDir() + "/staged/example_v3_corrupt");
  CHECK(absl::IsDataLoss(model.status()));
  CHECK(model.status().message().find("cannot load TorchScript") != absl::string_view::npos);
}

TEST_CASE("requests of different widths are padded, batched and split back", "[batched_model]") {
  auto model = LoadFixture("repo/rowsum/1");
  std::vector<std::vector<torch::Tensor>> requests = {
      {torch::tensor({{1.f, 2.f, 3.f}})},
      {torch::tensor({{10.f}})},
      {torch::tensor({{1.f, 1.f}, {2.f, 2.f}})},  // two rows
  };
  auto results = BatchedModel::RunBatch(*model, requests);
  REQUIRE(results.size() == 3);
  for (const auto& r : results) REQUIRE(r.ok());
  CHECK(results[0]->outputs[0].sizes().vec() == std::vector<int64_t>{1, 1});
  CHECK(results[0]->outputs[0].item<float>() == 6.f);
  CHECK(results[1]->outputs[0].item<float>() == 10.f);
  REQUIRE(results[2]->outputs[0].size(0) == 2);
  CHECK(results[2]->outputs[0][0][0].item<float>() == 2.f);
  CHECK(results[2]->outputs[0][1][0].item<float>() == 4.f);
  CHECK(results[1]->model_version == 1);
}

TEST_CASE("one malformed request fails alone, the rest of its batch succeeds", "[batched_model]") {
  auto model = LoadFixture("repo/example/1");
  std::vector<std::vector<torch::Tensor>> requests = {
      {torch::ones({1, 4})},
      {torch::ones({1, 5})},                                               // wrong width
      {torch::ones({1, 4}, torch::TensorOptions().dtype(torch::kInt64))},  // wrong dtype
      {torch::ones({1, 4})},
  };
  auto results = BatchedModel::RunBatch(*model, requests);
  CHECK(results[0].ok());
  CHECK(absl::IsInvalidArgument(results[1].status()));
  CHECK(results[1].status().message().find("features:float32[-1,4]") != absl::string_view::npos);
  CHECK(absl::IsInvalidArgument(results[2].status()));
  REQUIRE(results[3].ok());
  // Version 1: output 0 = sum(x) = 4.
  CHECK(results[3]->outputs[0][0][0].item<float>() == 4.f);
}

TEST_CASE("BatchedModel validates before queueing and serves through the batcher",
          "[batched_model]") {
  testing::ScratchDir dir;
  testing::DeployVersion("repo/example/1", dir.path() + "/example/1");
  prometheus::Registry registry;
  InferenceMetrics metrics(registry, "example");
  const ModelRepositoryOptions ro = testing::RepositoryOptions(dir.path(), "example");
  auto repo = ModelRepository::Create(ro, &metrics);
  REQUIRE(repo.ok());
  BatcherOptions bo;
  bo.max_batch_size = 4;
  auto model = BatchedModel::Create(repo->get(), bo, &metrics);
  REQUIRE(model.ok());
  auto bad = (*model)->Run({torch::ones({1, 7})}, {});
  CHECK(absl::IsInvalidArgument(bad.status()));
  auto good = (*model)->Run({torch::ones({1, 4})}, {});
  REQUIRE(good.ok());
  CHECK(good->model_version == 1);
  CHECK(good->outputs[0][0][1].item<float>() == Approx(9.f));  // 2 * 4 + 1
}

}  // namespace
}  // namespace shop
