// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_repository.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "common/inference/batched_model.h"
#include "common/inference/model_files.h"
#include "nlohmann/json.hpp"
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

// Damages a deployed version's model.pt in place, as a bad disk or copy would.
void FlipBytes(const std::string& file, int count) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const int64_t size = f.tellg();
  for (int i = 0; i < count; ++i) {
    const int64_t at = (size * (i + 1)) / (count + 1);  // spread over the file
    f.seekg(at);
    char c = 0;
    f.get(c);
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0x5a));
  }
}

void Truncate(const std::string& file) {
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
}

TEST_CASE("corrupted, truncated or swapped model files are refused at start-up and on reload",
          "[repository][integrity]") {
  struct Damage {
    const char* name;
    std::function<void(const std::string& version_dir)> apply;
  };
  const std::vector<Damage> damages = {
      {"2,000 flipped bytes", [](const std::string& d) { FlipBytes(d + "/model.pt", 2000); }},
      {"one flipped byte", [](const std::string& d) { FlipBytes(d + "/model.pt", 1); }},
      {"truncation", [](const std::string& d) { Truncate(d + "/model.pt"); }},
      {"another version's model.pt (swapped file)",
       [](const std::string& d) {
         std::filesystem::copy_file(testing::TestModelsDir() + "/repo/example/1/model.pt",
                                    d + "/model.pt",
                                    std::filesystem::copy_options::overwrite_existing);
       }},
      {"a missing file the checksums list",
       [](const std::string& d) { std::filesystem::remove(d + "/model.pt"); }},
  };
  for (const Damage& damage : damages) {
    INFO(damage.name);
    SECTION(std::string("on reload: ") + damage.name) {
      Fixture f;
      DeployVersion("repo/example/2", f.VersionDir(2));
      auto repo = ModelRepository::Create(f.Options(), &f.metrics);
      REQUIRE(repo.ok());
      DeployVersion("staged/example_v3", f.VersionDir(3));
      damage.apply(f.VersionDir(3));
      absl::Status s = (*repo)->Poll();
      CHECK(absl::IsDataLoss(s));
      CHECK(absl::StrContains(s.message(), "sha256"));
      CHECK((*repo)->Current()->version() == 2);  // the old version keeps serving
      CHECK(MetricValue(f.registry, "shop_model_integrity_failures_total") == 1);
      CHECK(MetricValue(f.registry, "shop_model_loads_total", "failure") == 1);
    }
    SECTION(std::string("at start-up: ") + damage.name) {
      Fixture f;
      DeployVersion("repo/example/1", f.VersionDir(1));
      DeployVersion("repo/example/2", f.VersionDir(2));
      damage.apply(f.VersionDir(2));
      auto repo = ModelRepository::Create(f.Options(), &f.metrics);
      REQUIRE(repo.ok());  // falls back to the intact older version
      CHECK((*repo)->Current()->version() == 1);
      CHECK(MetricValue(f.registry, "shop_model_integrity_failures_total") == 1);
      auto pinned = ModelRepository::Create(f.Options(/*pinned=*/2), &f.metrics);
      CHECK(absl::IsDataLoss(pinned.status()));
    }
  }
}

TEST_CASE("a version without checksums is refused unless allowed", "[repository][integrity]") {
  Fixture f;
  DeployVersion("repo/example/2", f.VersionDir(2));
  // Strip the checksums, as in metadata written before they existed.
  const std::string meta_path = f.VersionDir(2) + "/metadata.json";
  std::string text;
  {
    std::ifstream in(meta_path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto meta = nlohmann::json::parse(text);
  meta.erase("sha256");
  std::ofstream(meta_path) << meta.dump(1);
  auto refused = ModelRepository::Create(f.Options(), &f.metrics);
  REQUIRE(absl::IsFailedPrecondition(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "--allow_unverified_models"));
  SetAllowUnverifiedModels(true);
  auto allowed = ModelRepository::Create(f.Options(), &f.metrics);
  SetAllowUnverifiedModels(false);
  REQUIRE(allowed.ok());
  CHECK((*allowed)->Current()->version() == 2);
}

TEST_CASE("Sha256File matches the known digest and the Python exporter", "[integrity]") {
  ScratchDir dir;
  std::ofstream(dir.path() + "/abc", std::ios::binary) << "abc";
  auto digest = Sha256File(dir.path() + "/abc");
  REQUIRE(digest.ok());
  CHECK(*digest ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  // The shipped test model's recorded digest (written by model_checksums.py).
  auto meta = ModelMetadata::ReadFile(testing::TestModelsDir() + "/repo/example/2/metadata.json");
  REQUIRE(meta.ok());
  auto model = Sha256File(testing::TestModelsDir() + "/repo/example/2/model.pt");
  REQUIRE(model.ok());
  CHECK(meta->sha256.at("model.pt") == *model);
  CHECK(absl::IsNotFound(Sha256File(dir.path() + "/missing").status()));
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
