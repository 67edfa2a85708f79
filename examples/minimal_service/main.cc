// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// example_server: the common serving bootstrap and inference layer around one model, as a
// service binary would use them. Serves shop.example.v1.ExampleInference.
#include <cstdlib>

#include "absl/flags/flag.h"
#include "common/inference/blas_kernels.h"
#include "common/inference/inference_options.h"
#include "common/inference/served_model.h"
#include "common/logging.h"
#include "common/server/env_flags.h"
#include "common/server/serving_bootstrap.h"
#include "examples/minimal_service/example_service.h"

int main(int argc, char** argv) {
  shop::ReexecForBlasKernels(argv);  // first: it may restart the process
  shop::ParseFlagsWithEnvironment(argc, argv);
  const shop::ServerOptions server_options = shop::ServerOptions::FromFlags();
  const shop::InferenceOptions inference = shop::InferenceOptions::FromFlags("example");

  auto registry = std::make_shared<prometheus::Registry>();
  shop::example::ExampleService service;
  auto server = shop::ServingBootstrap::Start(
      server_options, registry,
      {{&service, shop::example::v1::ExampleInference::service_full_name()}});
  if (!server.ok()) return shop::StartupFailed(server.status());

  // The server already answers health checks (NOT_SERVING) while the model loads.
  auto served = shop::ServedModel::Load(inference, *registry);
  if (!served.ok()) return shop::StartupFailed(served.status());
  service.SetModel((*served)->model());
  (*server)->SetServing(true);

  // Returns after SIGTERM/SIGINT and the drain; the model outlives every call.
  (*server)->WaitForShutdown();
  return 0;
}
