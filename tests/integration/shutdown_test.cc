// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The real example_server binary: SIGTERM drains an in-flight call and exits 0.
#include <signal.h>

#include <future>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "shop/example/v1/example.grpc.pb.h"
#include "tests/catch.h"
#include "tests/common/test_models.h"
#include "tests/integration/test_client.h"

namespace shop {
namespace {

using shop::example::v1::ExampleInference;
using shop::example::v1::InferRequest;
using shop::example::v1::InferResponse;

std::vector<std::string> ServerArgs(const std::string& drain_deadline) {
  return {"--listen_address=127.0.0.1",
          "--port=0",
          "--metrics_address=127.0.0.1",
          "--metrics_port=0",
          "--model_root=" + testing::TestModelsDir() + "/repo",
          "--model_poll_interval=0s",
          "--drain_deadline=" + drain_deadline};
}

grpc::Status HeldInfer(int port, uint32_t hold_ms, InferResponse* response) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  auto stub = ExampleInference::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  InferRequest request;
  for (int i = 0; i < 4; ++i) request.add_features(1.f);
  request.set_hold_ms(hold_ms);
  return stub->Infer(&ctx, request, response);
}

TEST_CASE("SIGTERM drains an in-flight call, then the process exits 0", "[shutdown]") {
  auto server = testing::ChildServer::Start(SHOP_EXAMPLE_SERVER, ServerArgs("10s"));
  REQUIRE(server.ok());
  const int port = (*server)->port();
  InferResponse response;
  auto in_flight = std::async(std::launch::async, [&] { return HeldInfer(port, 1500, &response); });
  absl::SleepFor(absl::Milliseconds(400));  // the call is now held inside the server
  const int exit_code = (*server)->SignalAndWait(SIGTERM, 30);
  const grpc::Status status = in_flight.get();
  INFO((*server)->log());
  CHECK(status.ok());
  CHECK(response.model_version() == 2);
  CHECK(exit_code == 0);
  const std::string log = (*server)->log();
  CHECK(log.find("\"event\":\"signal_received\"") != std::string::npos);
  CHECK(log.find("\"event\":\"shutdown_complete\"") != std::string::npos);
}

TEST_CASE("a call longer than the drain deadline is cancelled and the exit is still 0",
          "[shutdown]") {
  auto server = testing::ChildServer::Start(SHOP_EXAMPLE_SERVER, ServerArgs("0.3s"));
  REQUIRE(server.ok());
  const int port = (*server)->port();
  InferResponse response;
  auto in_flight = std::async(std::launch::async, [&] { return HeldInfer(port, 5000, &response); });
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  const int exit_code = (*server)->SignalAndWait(SIGTERM, 30);
  const grpc::Status status = in_flight.get();
  CHECK_FALSE(status.ok());
  CHECK(exit_code == 0);
  CHECK(absl::Now() - start < absl::Seconds(10));
}

TEST_CASE("SIGINT stops the server like SIGTERM", "[shutdown]") {
  auto server = testing::ChildServer::Start(SHOP_EXAMPLE_SERVER, ServerArgs("5s"));
  REQUIRE(server.ok());
  CHECK((*server)->SignalAndWait(SIGINT, 30) == 0);
}

}  // namespace
}  // namespace shop
