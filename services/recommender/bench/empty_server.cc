// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// recommender_empty_server: the Recommender API with handlers that answer at once with an
// empty response, on the same serving bootstrap (interceptor, metrics, thread cap) as the
// real binary. Benchmarks measure it beside `recommender` in the same run, so results read
// as a fraction of what gRPC transport allows on the machine.
#include "common/server/env_flags.h"
#include "common/server/serving_bootstrap.h"
#include "shop/recommender/v1/recommender.grpc.pb.h"

namespace {

class EmptyRecommender final : public shop::recommender::v1::Recommender::Service {
  grpc::Status Recommend(grpc::ServerContext*, const shop::recommender::v1::RecommendRequest*,
                         shop::recommender::v1::RecommendResponse*) override {
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  shop::ParseFlagsWithEnvironment(argc, argv);
  EmptyRecommender service;
  auto server = shop::ServingBootstrap::Start(
      shop::ServerOptions::FromFlags(), std::make_shared<prometheus::Registry>(),
      {{&service, shop::recommender::v1::Recommender::service_full_name()}});
  if (!server.ok()) return 1;
  (*server)->SetServing(true);
  (*server)->WaitForShutdown();
  return 0;
}
