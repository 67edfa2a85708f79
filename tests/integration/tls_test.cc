// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// TLS and mutual TLS in the serving bootstrap (common/server/tls.h), in process, over real
// loopback gRPC. Keys and certificates are made by openssl in a scratch directory for each
// test: nothing is committed.
#include "common/server/tls.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/server/serving_bootstrap.h"
#include "examples/minimal_service/example_service.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/catch.h"
#include "tests/common/test_models.h"
#include "tests/integration/pki.h"
#include "tests/integration/test_client.h"

namespace shop {
namespace {

using testing::CheckHealth;
using testing::Pki;
using testing::ScratchDir;

constexpr char kService[] = "shop.example.v1.ExampleInference";

ServerOptions TlsOptions(const Pki& pki, const std::string& server, const std::string& client_ca) {
  ServerOptions o;
  o.listen_address = "127.0.0.1";
  o.port = 0;
  o.metrics_port = -1;
  o.drain_deadline = absl::Seconds(2);
  o.tls_cert_file = pki.Path(server + ".crt");
  o.tls_key_file = pki.Path(server + ".key");
  if (!client_ca.empty()) o.tls_client_ca_file = pki.Path(client_ca + ".crt");
  o.tls_refresh_interval = absl::Seconds(1);
  return o;
}

// CAs and the leaf certificates they sign (ca, name), in `dir`.
Pki MakePki(const ScratchDir& dir, const std::vector<std::string>& cas,
            const std::vector<std::pair<std::string, std::string>>& leaves) {
  Pki pki(dir.path());
  for (const std::string& ca : cas) pki.MakeCa(ca);
  for (const auto& [ca, name] : leaves) pki.MakeLeaf(ca, name);
  return pki;
}

// The example service behind the serving bootstrap with `options`.
struct ExampleServer {
  explicit ExampleServer(const ServerOptions& options) {
    auto started = ServingBootstrap::Start(options, std::make_shared<prometheus::Registry>(),
                                           {{&service, kService}}, /*handle_signals=*/false);
    REQUIRE(started.ok());
    server = *std::move(started);
  }
  int port() const { return server->port(); }

  example::ExampleService service;
  std::unique_ptr<ServingBootstrap> server;
};

// The health service's answer through a new channel with these credentials (a gRPC code
// name when the call fails).
std::string HealthOver(int port, const ClientTlsFiles& files) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds = MakeChannelCredentials(files);
  REQUIRE(creds.ok());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a fresh connection every time
  return CheckHealth(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), *creds, args), "");
}

TEST_CASE("A TLS server answers TLS clients that trust its CA, and no plaintext client", "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca", "other-ca"}, {{"ca", "server"}});
  ExampleServer server(TlsOptions(pki, "server", ""));
  const int port = server.port();
  CHECK(HealthOver(port, {pki.Path("ca.crt"), "", ""}) == "NOT_SERVING");  // reached it
  CHECK(HealthOver(port, {}) == "UNAVAILABLE");                            // plaintext
  CHECK(HealthOver(port, {pki.Path("other-ca.crt"), "", ""}) == "UNAVAILABLE");
}

TEST_CASE("A mutual-TLS server refuses clients without a certificate or from another CA", "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca", "other-ca"},
                          {{"ca", "server"}, {"ca", "client"}, {"other-ca", "stranger"}});
  ExampleServer server(TlsOptions(pki, "server", "ca"));
  const int port = server.port();
  const std::string ca = pki.Path("ca.crt");
  CHECK(HealthOver(port, {ca, pki.Path("client.crt"), pki.Path("client.key")}) == "NOT_SERVING");
  CHECK(HealthOver(port, {ca, "", ""}) == "UNAVAILABLE");
  CHECK(HealthOver(port, {ca, pki.Path("stranger.crt"), pki.Path("stranger.key")}) ==
        "UNAVAILABLE");
  CHECK(HealthOver(port, {}) == "UNAVAILABLE");
}

TEST_CASE("A rotated server certificate is served without a restart, and calls keep working",
          "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca", "new-ca"}, {{"ca", "server"}, {"new-ca", "next"}});
  // A client bundle that trusts both CAs keeps calling across the rotation.
  {
    std::ofstream both(pki.Path("both.crt"));
    both << std::ifstream(pki.Path("ca.crt")).rdbuf()
         << std::ifstream(pki.Path("new-ca.crt")).rdbuf();
  }
  ExampleServer server(TlsOptions(pki, "server", ""));
  const int port = server.port();
  auto creds = MakeChannelCredentials({pki.Path("both.crt"), "", ""});
  REQUIRE(creds.ok());
  auto steady = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), *creds);
  REQUIRE(CheckHealth(steady, "") == "NOT_SERVING");
  CHECK(HealthOver(port, {pki.Path("new-ca.crt"), "", ""}) == "UNAVAILABLE");  // not yet

  // Rotate as the kubelet does: new files beside, then renamed over the old ones.
  std::filesystem::copy_file(pki.Path("next.key"), pki.Path("server.key.new"));
  std::filesystem::copy_file(pki.Path("next.crt"), pki.Path("server.crt.new"));
  std::filesystem::rename(pki.Path("server.key.new"), pki.Path("server.key"));
  std::filesystem::rename(pki.Path("server.crt.new"), pki.Path("server.crt"));

  int failures = 0;
  bool rotated = false;
  for (int i = 0; i < 100 && !rotated; ++i) {  // up to 10 s; the watcher checks every 1 s
    failures += CheckHealth(steady, "") != "NOT_SERVING";
    rotated = HealthOver(port, {pki.Path("new-ca.crt"), "", ""}) == "NOT_SERVING";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(rotated);
  CHECK(failures == 0);
  CHECK(CheckHealth(steady, "") == "NOT_SERVING");
}

TEST_CASE("Certificates rotated under concurrent mutual-TLS load: no call fails", "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca"},
                          {{"ca", "server"},
                           {"ca", "server-2"},
                           {"ca", "server-3"},
                           {"ca", "server-4"},
                           {"ca", "client"}});
  ExampleServer server(TlsOptions(pki, "server", "ca"));
  const int port = server.port();
  const ClientTlsFiles files{pki.Path("ca.crt"), pki.Path("client.crt"), pki.Path("client.key")};
  auto creds = MakeChannelCredentials(files);
  REQUIRE(creds.ok());

  // Eight callers: half on one long-lived connection each, half opening a new connection
  // for every call (these handshake against whichever certificate is current).
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      auto steady = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), *creds);
      while (!stop.load()) {
        // No Catch2 assertion in these threads (they are not thread-safe), so the fresh
        // connection is made here rather than through HealthOver.
        grpc::ChannelArguments fresh;
        fresh.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        const std::string status =
            t % 2 == 0 ? CheckHealth(steady, "")
                       : CheckHealth(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                                               *creds, fresh),
                                     "");
        calls.fetch_add(1);
        if (status != "NOT_SERVING") failures.fetch_add(1);
      }
    });
  }
  // Three rotations, as the kubelet does them (new files beside, renamed over the old),
  // each given time to be picked up (the watcher checks every second).
  for (const std::string next : {"server-2", "server-3", "server-4"}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    std::filesystem::copy_file(pki.Path(next + ".key"), pki.Path("cur.key.new"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(pki.Path(next + ".crt"), pki.Path("cur.crt.new"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(pki.Path("cur.key.new"), pki.Path("server.key"));
    std::filesystem::rename(pki.Path("cur.crt.new"), pki.Path("server.crt"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (std::thread& t : callers) t.join();
  INFO(calls.load() << " calls");
  CHECK(calls.load() > 100);
  CHECK(failures.load() == 0);
}

TEST_CASE("A plaintext health-only port answers probes for a mutual-TLS server, nothing else",
          "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca"}, {{"ca", "server"}});
  ServerOptions options = TlsOptions(pki, "server", "ca");
  options.health_port = 0;
  ExampleServer server(options);
  REQUIRE(server.server->health_port() > 0);
  auto probe = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.server->health_port()),
                                   grpc::InsecureChannelCredentials());
  CHECK(CheckHealth(probe, "") == "NOT_SERVING");
  CHECK(CheckHealth(probe, kService) == "NOT_SERVING");
  server.server->SetServing(true);
  CHECK(CheckHealth(probe, "") == "SERVING");
  CHECK(CheckHealth(probe, kService) == "SERVING");
  server.server->SetServiceServing(kService, false);
  CHECK(CheckHealth(probe, kService) == "NOT_SERVING");
  // The service itself is not there: only health.
  example::v1::InferRequest request;
  request.add_features(1.0f);
  example::v1::InferResponse response;
  grpc::ClientContext ctx;
  CHECK(
      example::v1::ExampleInference::NewStub(probe)->Infer(&ctx, request, &response).error_code() ==
      grpc::StatusCode::UNIMPLEMENTED);
  // The main port still refuses plaintext.
  CHECK(HealthOver(server.port(), {}) == "UNAVAILABLE");
  // A health port equal to the main port is refused at start-up.
  ServerOptions clash = TlsOptions(pki, "server", "");
  clash.port = 50999;
  clash.health_port = 50999;
  auto refused = ServingBootstrap::Start(clash, std::make_shared<prometheus::Registry>(), {},
                                         /*handle_signals=*/false);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Incomplete or unreadable TLS settings fail start-up with a clear status", "[tls]") {
  ScratchDir dir;
  const Pki pki = MakePki(dir, {"ca"}, {{"ca", "server"}});
  const auto start = [](const ServerOptions& o) {
    example::ExampleService service;
    return ServingBootstrap::Start(o, std::make_shared<prometheus::Registry>(),
                                   {{&service, kService}}, /*handle_signals=*/false)
        .status();
  };
  ServerOptions o = TlsOptions(pki, "server", "");
  o.tls_key_file = "";
  CHECK(start(o).code() == absl::StatusCode::kInvalidArgument);
  o = TlsOptions(pki, "server", "");
  o.tls_cert_file = pki.Path("missing.crt");
  absl::Status missing = start(o);
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(missing.message(), "missing.crt"));
  o = TlsOptions(pki, "server", "");
  o.tls_key_file = pki.Path("server.crt");  // a certificate where the key should be
  CHECK(start(o).code() == absl::StatusCode::kInvalidArgument);
  CHECK(MakeChannelCredentials({"", pki.Path("server.crt"), pki.Path("server.key")})
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shop
