// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// GatewayTrust's configuration: what a --trusted_gateways entry may be, and how gRPC peer
// strings become addresses. Calls with identity headers, from the gateway and from
// others, are tested over real mutual TLS in the services' integration tests.
#include "common/server/caller_identity.h"

#include "tests/catch.h"

namespace shop {
namespace {

TEST_CASE("GatewayTrust parses names and addresses, and refuses what it cannot verify") {
  auto local = GatewayTrust::Parse("", /*mutual_tls=*/false);
  REQUIRE(local.ok());
  CHECK(!local->enabled());
  auto both = GatewayTrust::Parse(" name:gateway.shop.svc.cluster.local , ip:127.0.0.1", true);
  REQUIRE(both.ok());
  CHECK(both->enabled());
  CHECK(GatewayTrust::Parse("ip:10.0.0.7", false).ok());
  // A certificate name is only verified under mutual TLS.
  auto no_mtls = GatewayTrust::Parse("name:gateway", false);
  CHECK(no_mtls.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(no_mtls.status().message().find("--tls_client_ca_file") != std::string::npos);
  for (const char* bad : {"gateway", "name:", "ip:", "dns:gateway"}) {
    INFO(bad);
    CHECK(GatewayTrust::Parse(bad, true).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("PeerAddress strips the scheme and the port") {
  CHECK(PeerAddress("ipv4:127.0.0.1:51234") == "127.0.0.1");
  CHECK(PeerAddress("ipv6:[::1]:51234") == "::1");
  CHECK(PeerAddress("ipv6:[fd00::7]:8") == "fd00::7");
  CHECK(PeerAddress("unix:/tmp/socket") == "unix:/tmp/socket");
}

}  // namespace
}  // namespace shop
