// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// In-process decoding benchmark: beam search over sentences read from stdin (one per
// line), through the direct decoder and through the model's TorchScript step(), in
// alternating rounds, so the two paths see the same machine state. No gRPC, tokenizing
// or text handling: the decoder alone. Prints milliseconds per sentence and per step.
//
//   build/services/translator/translator_decode_bench --model_dir models/translator/7
//       --target de --beam 4 --batch 1 < sentences.txt
// (scripts/bench_decoder.sh feeds it Multi30k test sentences.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/inference/inference_options.h"
#include "services/translator/beam_search.h"
#include "services/translator/direct_decoder.h"

ABSL_FLAG(std::string, model_dir, "models/translator/7", "Model version folder.");
ABSL_FLAG(std::string, variant, "", "Model variant (\"int8\"); empty: model.pt.");
ABSL_FLAG(std::string, target, "de", "Target language.");
ABSL_FLAG(int, beam, 4, "Beam size.");
ABSL_FLAG(int, batch, 1, "Sentences per beam search.");
ABSL_FLAG(int, rounds, 3, "Rounds of each path, alternating.");
ABSL_FLAG(int, threads, 1, "LibTorch intra-op threads.");
ABSL_FLAG(std::string, paths, "direct,interpreted", "Paths to time.");

namespace shop::translator {
namespace {

int Run() {
  // As the server configures itself (OpenBLAS's own pool at one thread).
  absl::Status threads = ConfigureTorchThreads(absl::GetFlag(FLAGS_threads), 1, 1);
  if (!threads.ok()) {
    std::cerr << threads << "\n";
    return 1;
  }
  auto torch_model = TorchModel::Load(absl::GetFlag(FLAGS_model_dir), absl::GetFlag(FLAGS_variant));
  if (!torch_model.ok()) {
    std::cerr << torch_model.status() << "\n";
    return 1;
  }
  auto model = TranslationModel::Create(*torch_model);
  if (!model.ok()) {
    std::cerr << model.status() << "\n";
    return 1;
  }
  const int tag = (*model)->TargetTag(absl::GetFlag(FLAGS_target));
  if (tag < 0) {
    std::cerr << "unknown target\n";
    return 1;
  }
  std::vector<DecodeJob> jobs;
  for (std::string line; std::getline(std::cin, line);) {
    if (line.empty()) continue;
    DecodeJob job;
    job.model = *model;
    job.source.push_back(tag);
    for (int id : (*model)->tokenizer().Encode(line)) job.source.push_back(id);
    job.source.push_back((*model)->spec().eos_id);
    job.target_tag = tag;
    job.beam_size = absl::GetFlag(FLAGS_beam);
    job.length_penalty = (*model)->default_length_penalty();
    job.max_output_tokens = static_cast<int>(1.5 * job.source.size()) + 10;  // the engine's
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) {
    std::cerr << "no sentences on stdin\n";
    return 1;
  }
  const size_t batch = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_batch)));
  std::vector<std::pair<std::string, StepPath>> paths;
  const std::string wanted = absl::GetFlag(FLAGS_paths);
  if (wanted.find("direct") != std::string::npos) paths.emplace_back("direct", StepPath::kDirect);
  if (wanted.find("interpreted") != std::string::npos) {
    paths.emplace_back("interpreted", StepPath::kInterpreted);
  }
  std::printf(
      "model %s%s, %zu sentences, beam %d, batch %zu, %d intra-op thread(s), direct "
      "decoder %s (%s matrix kernel)\n",
      absl::GetFlag(FLAGS_model_dir).c_str(), absl::GetFlag(FLAGS_variant).empty() ? "" : " (int8)",
      jobs.size(), absl::GetFlag(FLAGS_beam), batch, absl::GetFlag(FLAGS_threads),
      (*model)->direct_decoder() ? "available" : "not available (step() only)",
      PackedLinear::KernelName());
  std::printf("| path | round | ms per sentence | output tokens per sentence | tokens/s |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  std::vector<std::vector<std::vector<int>>> outputs(paths.size());
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    for (size_t p = 0; p < paths.size(); ++p) {
      size_t tokens = 0;
      std::vector<std::vector<int>> out;
      const auto start = std::chrono::steady_clock::now();
      for (size_t i = 0; i < jobs.size(); i += batch) {
        std::vector<const DecodeJob*> group;
        for (size_t j = i; j < std::min(jobs.size(), i + batch); ++j) group.push_back(&jobs[j]);
        for (auto& r : BeamSearch(group, paths[p].second)) {
          if (!r.ok()) {
            std::cerr << r.status() << "\n";
            return 1;
          }
          tokens += r->tokens.size() + 1;
          out.push_back(r->tokens);
        }
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      outputs[p] = std::move(out);
      std::printf("| %s | %d | %.2f | %.1f | %.0f |\n", paths[p].first.c_str(), round,
                  1000.0 * seconds / jobs.size(), static_cast<double>(tokens) / jobs.size(),
                  tokens / seconds);
      std::fflush(stdout);
    }
  }
  if (paths.size() == 2) {
    size_t same = 0;
    for (size_t i = 0; i < outputs[0].size(); ++i) same += outputs[0][i] == outputs[1][i];
    std::printf("\nidentical outputs: %zu of %zu sentences\n", same, outputs[0].size());
    if (same != outputs[0].size()) return 2;
  }
  return 0;
}

}  // namespace
}  // namespace shop::translator

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  c10::InferenceMode guard;
  return shop::translator::Run();
}
