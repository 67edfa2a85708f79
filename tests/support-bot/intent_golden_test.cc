// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Every intent model version under models/support-bot/ against its golden.json: the
// feature ids, probabilities and decisions that the Python side (training/data.py's
// featurizer and the exported TorchScript, services/support-bot/training/golden.py)
// computes for fixed messages. The C++ featurizer and ensemble are written by hand to
// mirror Python; this is what proves they do, for every version the server may serve,
// so a new version cannot ship without the proof (a version lacking golden.json fails).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/inference/inference_options.h"
#include "common/inference/model_repository.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "services/support-bot/intent_model.h"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

// Python prints float32 probabilities; the C++ sums in another order (and the direct
// ensemble is not the interpreter), so they agree to float rounding, ~1e-6.
constexpr double kTolerance = 1e-4;

// The largest |got - want| and the label where it is, for the failure message.
struct Difference {
  double max = 0;
  std::string label;
};

Difference Compare(const std::vector<float>& got, const std::vector<double>& want,
                   const std::vector<std::string>& labels) {
  Difference d;
  for (size_t k = 0; k < got.size() && k < want.size() && k < labels.size(); ++k) {
    const double diff = std::abs(static_cast<double>(got[k]) - want[k]);
    if (diff > d.max) d = {diff, labels[k]};
  }
  return d;
}

TEST_CASE("every shipped intent model reproduces its golden.json", "[intent][golden]") {
  const std::string root = absl::StrCat(SHOP_SOURCE_DIR, "/models");
  // The repository's own listing: exactly the directories the server may serve.
  const absl::StatusOr<std::vector<int64_t>> versions =
      ModelRepository::ListVersions(root + "/support-bot");
  REQUIRE(versions.ok());
  REQUIRE_FALSE(versions->empty());
  for (const int64_t version : *versions) {
    DYNAMIC_SECTION("models/support-bot/" << version) {
      const std::string dir = absl::StrCat(root, "/support-bot/", version);
      INFO(dir);
      std::ifstream in(dir + "/golden.json");
      if (!in) FAIL(dir << "/golden.json is missing: every version needs one (training/golden.py)");
      const nlohmann::json golden = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      REQUIRE_FALSE(golden.is_discarded());
      REQUIRE(golden.value("format", 0) == 1);
      REQUIRE(golden.value("version", int64_t{0}) == version);

      // As main.cc loads it: the service's inference options (flag defaults here) through
      // the model repository (checksums, warm-up) and IntentModel, pinned to this version.
      InferenceOptions options = InferenceOptions::FromFlags("support-bot");
      options.repository.root = root;
      options.repository.pinned_version = version;
      options.repository.poll_interval = absl::ZeroDuration();
      prometheus::Registry registry;  // declared first: must outlive the model
      absl::StatusOr<std::unique_ptr<IntentModel>> model = IntentModel::Load(options, registry);
      if (!model.ok()) FAIL("cannot load " << dir << ": " << model.status().ToString());
      absl::StatusOr<std::shared_ptr<const IntentClassifier>> current = (*model)->Current();
      REQUIRE(current.ok());
      const IntentClassifier& classifier = **current;
      REQUIRE(classifier.version() == version);
      const auto labels = golden.at("labels").get<std::vector<std::string>>();
      REQUIRE(classifier.labels() == labels);

      const nlohmann::json& cases = golden.at("cases");
      REQUIRE(cases.is_array());
      REQUIRE(cases.size() >= 10);
      for (const nlohmann::json& c : cases) {
        const auto text = c.at("text").get<std::string>();
        const auto want_ids = c.at("ids").get<std::vector<int64_t>>();
        const auto want_p = c.at("probabilities").get<std::vector<double>>();
        const auto want_intent = c.at("intent").get<std::string>();
        const auto want_runner_up = c.at("runner_up").get<std::string>();
        const bool want_in_scope = c.at("in_scope").get<bool>();
        INFO("\"" << text << "\"");
        REQUIRE_FALSE(want_ids.empty());  // every text has at least the <s> </s> bigram
        REQUIRE(want_p.size() == labels.size());

        // The featurizer: data.py's Vocabulary.encode, id for id.
        const std::vector<int64_t> ids = classifier.FeatureIds(text);
        CHECK(ids == want_ids);

        // The probabilities the server computes (the direct ensemble, when the module
        // allows it), and the TorchScript module on the C++ ids, as Python ran it: a
        // difference only in the first is the hand-written ensemble's, in both the ids'.
        absl::StatusOr<std::vector<std::vector<float>>> served = classifier.Probabilities({text});
        REQUIRE(served.ok());
        REQUIRE(served->size() == 1);
        REQUIRE(served->front().size() == want_p.size());
        const Difference served_diff = Compare(served->front(), want_p, labels);
        INFO("served: max |C++ - Python| " << served_diff.max << " at " << served_diff.label);
        CHECK(served_diff.max <= kTolerance);
        absl::StatusOr<std::vector<float>> scripted = classifier.TorchScriptProbabilities(ids);
        REQUIRE(scripted.ok());
        REQUIRE(scripted->size() == want_p.size());
        const Difference scripted_diff = Compare(*scripted, want_p, labels);
        INFO("TorchScript: max |C++ - Python| " << scripted_diff.max << " at "
                                                << scripted_diff.label);
        CHECK(scripted_diff.max <= kTolerance);

        // The decision, through the server's own call (IntentModel::Classify).
        absl::StatusOr<IntentPrediction> p = (*model)->Classify(text, RequestContext{});
        REQUIRE(p.ok());
        CHECK(p->intent == want_intent);
        CHECK(p->runner_up == want_runner_up);
        CHECK(p->in_scope == want_in_scope);
        CHECK(std::abs(p->confidence - *std::max_element(want_p.begin(), want_p.end())) <=
              kTolerance);
      }
    }
  }
}

}  // namespace
}  // namespace shop::supportbot
