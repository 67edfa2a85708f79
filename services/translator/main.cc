// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// translator: shop.translator.v1.Translator over the common serving bootstrap.
#include <ATen/Context.h>

#include "absl/flags/flag.h"
#include "common/inference/blas_kernels.h"
#include "common/inference/inference_metrics.h"
#include "common/inference/inference_options.h"
#include "common/inference/model_repository.h"
#include "common/logging.h"
#include "common/server/data_paths.h"
#include "common/server/env_flags.h"
#include "common/server/serving_bootstrap.h"
#include "services/translator/translation_engine.h"
#include "services/translator/translator_service.h"

ABSL_FLAG(bool, int8, false,
          "Serve the int8 variant of the model (dynamic quantization of the linear layers, "
          "ONEDNN): faster on CPU at a small BLEU cost; see docs/bench_translator.md.");
ABSL_FLAG(int, default_beam_size, 4, "Beam size when a request leaves it at 0 (1 = greedy).");
ABSL_FLAG(double, default_length_penalty, 0.0,
          "Length penalty when a request leaves it at 0; 0 = the one tuned for the model on "
          "validation data (default_length_penalty in its metadata.json).");
ABSL_FLAG(bool, direct_decoder, true,
          "Compute decoding steps from the model's weights (the same log-probabilities as "
          "its TorchScript step(), several times faster); false runs step() itself.");
ABSL_FLAG(int64_t, cache_mb, 64, "Sentence translation cache size in MiB (0 disables it).");
ABSL_FLAG(double, min_detection_confidence, 0.5,
          "Language detections below this confidence answer \"und\".");

int main(int argc, char** argv) {
  shop::ReexecForBlasKernels(argv);  // first: it may restart the process
  shop::ParseFlagsWithEnvironment(argc, argv);
  const shop::ServerOptions server_options = shop::ServerOptions::FromFlags();
  shop::InferenceOptions inference =
      shop::InferenceOptions::FromFlags("translator", shop::WorkerPerCoreDefaults());
  if (absl::Status s = shop::CheckModelRoot(); !s.ok()) return shop::StartupFailed(s);
  if (absl::GetFlag(FLAGS_int8)) {
    inference.repository.variant = "int8";
    // The model was quantized for ONEDNN (this LibTorch has no FBGEMM); run it with the
    // same engine rather than LibTorch's default choice.
    at::globalContext().setQEngine(at::QEngine::ONEDNN);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  shop::translator::TranslatorService service;
  auto server = shop::ServingBootstrap::Start(
      server_options, registry,
      {{&service, shop::translator::v1::Translator::service_full_name()}});
  if (!server.ok()) return shop::StartupFailed(server.status());

  absl::Status threads = shop::ConfigureTorchThreads(
      inference.intra_op_threads, inference.inter_op_threads, inference.blas_threads);
  if (!threads.ok()) return shop::StartupFailed(threads);
  shop::InferenceMetrics metrics(*registry, inference.repository.name);
  auto repository = shop::ModelRepository::Create(inference.repository, &metrics);
  if (!repository.ok()) return shop::StartupFailed(repository.status());

  shop::translator::EngineOptions options;
  options.default_beam_size = absl::GetFlag(FLAGS_default_beam_size);
  options.max_beam_size = shop::translator::kMaxBeamSize;
  options.default_length_penalty = static_cast<float>(absl::GetFlag(FLAGS_default_length_penalty));
  options.step_path = absl::GetFlag(FLAGS_direct_decoder)
                          ? shop::translator::StepPath::kDirect
                          : shop::translator::StepPath::kInterpreted;
  options.cache_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_cache_mb)) << 20;
  options.min_detection_confidence =
      static_cast<float>(absl::GetFlag(FLAGS_min_detection_confidence));
  options.batcher = inference.batcher;
  auto engine =
      shop::translator::TranslationEngine::Create(repository->get(), options, &metrics, *registry);
  if (!engine.ok()) return shop::StartupFailed(engine.status());
  // One real translation before taking traffic: the first decoder steps are slow
  // (TorchScript profiling runs), and a broken model should fail here, not on a caller.
  shop::RequestContext warm;
  warm.deadline = absl::Now() + absl::Minutes(2);
  std::pair<std::string, std::string> pair = (*engine)->SupportedPairs().front();
  for (const auto& p : (*engine)->SupportedPairs()) {
    if (p.first == "en") pair = p;
  }
  auto warmup = (*engine)->Translate({"Warm-up sentence 1."}, pair.first, pair.second, {}, warm);
  if (!warmup.ok()) return shop::StartupFailed(warmup.status());
  service.SetEngine(engine->get());
  (*server)->SetServing(true);
  (*server)->WaitForShutdown();
  return 0;
}
