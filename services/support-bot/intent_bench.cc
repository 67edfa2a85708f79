// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Per-message cost of intent classification in process, one thread: featurize + the
// direct ensemble (what the bot serves, intent_ensemble.h), and featurize + the
// TorchScript module (the path it replaced). Prints one JSON line per path; driven by
// scripts/bench_intent.py, which runs the Python path beside it.
//
//   support_bot_intent_bench --model_dir models/support-bot/3 --texts messages.txt --seconds 5
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "services/support-bot/intent_classifier.h"
#include "torch/torch.h"

ABSL_FLAG(std::string, model_dir, "models/support-bot/3", "Intent model version directory.");
ABSL_FLAG(std::string, texts, "", "Messages, one per line.");
ABSL_FLAG(double, seconds, 5.0, "Measured time per path.");

namespace {

template <typename Fn>
void Measure(const char* path, const std::vector<std::string>& texts, double seconds, Fn fn) {
  for (const std::string& t : texts) fn(t);  // warm-up: one pass
  size_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const std::string& t : texts) fn(t);
    calls += texts.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("{\"path\":\"%s\",\"calls\":%zu,\"seconds\":%.3f,\"calls_per_s\":%.1f,"
              "\"us_per_call\":%.2f}\n",
              path, calls, elapsed, calls / elapsed, 1e6 * elapsed / calls);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  torch::set_num_threads(1);
  auto loaded = shop::supportbot::IntentClassifier::Load(absl::GetFlag(FLAGS_model_dir));
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const shop::supportbot::IntentClassifier& c = **loaded;
  std::vector<std::string> texts;
  std::ifstream in(absl::GetFlag(FLAGS_texts));
  for (std::string line; std::getline(in, line);) texts.push_back(line);
  if (texts.empty() || c.direct() == nullptr) {
    std::fprintf(stderr, "need --texts and a model the direct ensemble reads\n");
    return 1;
  }
  const double seconds = absl::GetFlag(FLAGS_seconds);
  std::vector<float> p(c.labels().size());
  Measure("direct", texts, seconds, [&](const std::string& t) {
    c.direct()->Probabilities(c.FeatureIds(t), p.data());
    return c.Predict(p.data());
  });
  Measure("torchscript", texts, seconds, [&](const std::string& t) {
    auto probs = c.TorchScriptProbabilities(c.FeatureIds(t));
    return c.Predict(probs->data());
  });
  return 0;
}
