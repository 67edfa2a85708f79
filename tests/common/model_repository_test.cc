// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_repository.h"

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/inference/batched_model.h"
#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop {
namespace {

using testing::DeployVersion;
using testing::ScratchDir;

double MetricValue(prometheus::Registry& registry, const std::string& name,
                   const std::string& label_value = "") {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = label_value.empty();
      for (const auto& l : m.label) match |= l.value == label_value;
      if (!match) continue;
      return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    }
  }
  return -1;
}

struct Fixture {
  ScratchDir dir;
  prometheus::Registry registry;
  InferenceMetrics metrics{registry, "example"};

  ModelRepositoryOptions Options(int64_t pinned = 0) {
    ModelRepositoryOptions o;
    o.root = dir.path();
    o.name = "example";
    o.pinned_version = pinned;
    o.poll_interval = absl::ZeroDuration();
    return o;
  }
  std::string VersionDir(int v) const { return dir.path() + "/example/" + std::to_string(v); }
};

TEST_CASE("the latest version is loaded and reported", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/1", f.VersionDir(1));
  DeployVersion("repo/example/2", f.VersionDir(2));
  auto repo = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(repo.ok());
  CHECK((*repo)->Current()->version() == 2);
  CHECK(MetricValue(f.registry, "shop_model_version_loaded") == 2);
  CHECK(MetricValue(f.registry, "shop_model_loads_total", "success") == 1);
}

TEST_CASE("a pinned version is served even when newer ones exist", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/1", f.VersionDir(1));
  DeployVersion("repo/example/2", f.VersionDir(2));
  auto repo = ModelRepository::Create(f.Options(/*pinned=*/1), &f.metrics);
  REQUIRE(repo.ok());
  CHECK((*repo)->Current()->version() == 1);
  REQUIRE((*repo)->Poll().ok());
  CHECK((*repo)->Current()->version() == 1);
}

TEST_CASE("a missing model directory or no versions is NOT_FOUND", "[repository]") {
  Fixture f;
  CHECK(absl::IsNotFound(ModelRepository::Create(f.Options(), &f.metrics).status()));
  std::filesystem::create_directories(f.dir.path() + "/example");
  CHECK(absl::IsNotFound(ModelRepository::Create(f.Options(), &f.metrics).status()));
}

TEST_CASE("a broken newest version at start-up falls back to the previous one", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/2", f.VersionDir(2));
  DeployVersion("staged/example_v3_corrupt", f.VersionDir(3));
  auto repo = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(repo.ok());
  CHECK((*repo)->Current()->version() == 2);
  CHECK(MetricValue(f.registry, "shop_model_loads_total", "failure") == 1);
}

TEST_CASE("a corrupt new version is reported and the old one keeps serving", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/2", f.VersionDir(2));
  auto repo = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(repo.ok());
  DeployVersion("staged/example_v3_corrupt", f.VersionDir(3));
  absl::Status s = (*repo)->Poll();
  CHECK(absl::IsDataLoss(s));
  CHECK((*repo)->Current()->version() == 2);
  CHECK(MetricValue(f.registry, "shop_model_loads_total", "failure") == 1);
  CHECK(MetricValue(f.registry, "shop_model_version_loaded") == 2);
  // Not retried while its files are unchanged...
  CHECK((*repo)->Poll().ok());
  CHECK(MetricValue(f.registry, "shop_model_loads_total", "failure") == 1);
  // ...but a fixed upload under the same version is picked up.
  std::filesystem::remove_all(f.VersionDir(3));
  absl::SleepFor(absl::Milliseconds(20));  // a new mtime for the fingerprint
  DeployVersion("staged/example_v3", f.VersionDir(3));
  REQUIRE((*repo)->Poll().ok());
  CHECK((*repo)->Current()->version() == 3);
}

TEST_CASE("a version with a different signature is refused", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/2", f.VersionDir(2));
  auto repo = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(repo.ok());
  DeployVersion("staged/example_v3_wrong_signature", f.VersionDir(3));
  absl::Status s = (*repo)->Poll();
  CHECK(absl::IsFailedPrecondition(s));
  CHECK(s.message().find("signature") != absl::string_view::npos);
  CHECK((*repo)->Current()->version() == 2);
}

TEST_CASE("removing the newest version rolls back to the previous one", "[repository]") {
  Fixture f;
  DeployVersion("repo/example/1", f.VersionDir(1));
  DeployVersion("repo/example/2", f.VersionDir(2));
  auto repo = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(repo.ok());
  std::filesystem::remove_all(f.VersionDir(2));
  REQUIRE((*repo)->Poll().ok());
  CHECK((*repo)->Current()->version() == 1);
}

TEST_CASE("hot reload under concurrent load fails no request", "[repository][reload]") {
  Fixture f;
  DeployVersion("repo/example/1", f.VersionDir(1));
  ModelRepositoryOptions ro = f.Options();
  ro.poll_interval = absl::Milliseconds(20);  // the background poller does the swap
  auto repo = ModelRepository::Create(ro, &f.metrics);
  REQUIRE(repo.ok());
  BatcherOptions bo;
  bo.max_batch_size = 8;
  bo.max_queue_delay = absl::Milliseconds(1);
  bo.num_workers = 2;
  auto model = BatchedModel::Create(repo->get(), bo, &f.metrics);
  REQUIRE(model.ok());

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, wrong{0}, on_v1{0}, on_v2{0}, on_v3{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        auto r = (*model)->Run({torch::ones({1, 4})}, {});
        if (!r.ok()) {
          failed.fetch_add(1);
          continue;
        }
        ok.fetch_add(1);
        // Output 0 is version * sum(x) = 4 * version: each answer matches its version.
        const float y = r->outputs[0][0][0].item<float>();
        if (y != 4.f * r->model_version) wrong.fetch_add(1);
        (r->model_version == 1 ? on_v1 : r->model_version == 2 ? on_v2 : on_v3).fetch_add(1);
      }
    });
  }
  auto wait_for_version = [&](int64_t v) {
    const absl::Time until = absl::Now() + absl::Seconds(60);
    while ((*repo)->Current()->version() != v && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return (*repo)->Current()->version() == v;
  };
  absl::SleepFor(absl::Milliseconds(200));
  DeployVersion("repo/example/2", f.VersionDir(2));
  CHECK(wait_for_version(2));
  absl::SleepFor(absl::Milliseconds(200));
  DeployVersion("staged/example_v3_corrupt", f.VersionDir(3));  // must not disturb serving
  absl::SleepFor(absl::Milliseconds(300));
  stop = true;
  for (auto& c : clients) c.join();

  CHECK(failed.load() == 0);
  CHECK(wrong.load() == 0);
  CHECK(on_v1.load() > 0);
  CHECK(on_v2.load() > 0);
  CHECK(on_v3.load() == 0);
  CHECK((*repo)->Current()->version() == 2);
  CHECK(MetricValue(f.registry, "shop_model_loads_total", "failure") >= 1);
}

}  // namespace
}  // namespace shop
