// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Who is calling: the customer the gateway verified, and whether they are an operator.
//
// The gateway (Envoy's jwt_authn, or the local HAProxy's jwt_verify) checks the caller's
// JWT, strips any identity headers the client sent, and forwards the token's subject in
// `x-shop-customer-id` and its role in `x-shop-roles`. A header is only as trustworthy as
// whoever set it, so a service believes these headers only on calls from a configured
// gateway peer: a verified client certificate name (mutual TLS, the deployment) or a peer
// address (a plaintext loopback gateway on one machine). The same headers on a call from
// anyone else are an impersonation attempt and refused, never silently ignored, so a
// misrouted client notices at once.
//
// Without any trusted gateway configured the service runs in local mode: no verified
// identity exists, and services fall back to what the request body says (binaries run by
// hand, unit tests and the plaintext dev overlay; the prod overlay and run.sh configure a
// gateway).
#ifndef SHOP_COMMON_SERVER_CALLER_IDENTITY_H_
#define SHOP_COMMON_SERVER_CALLER_IDENTITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace shop {

inline constexpr char kCustomerIdHeader[] = "x-shop-customer-id";
inline constexpr char kRolesHeader[] = "x-shop-roles";
inline constexpr char kOperatorRole[] = "operator";

struct CallerIdentity {
  // True when the call came through a trusted gateway, so the fields below are verified
  // (an empty customer_id then means a verified anonymous caller).
  bool verified = false;
  std::string customer_id;
  bool is_operator = false;
};

class GatewayTrust {
 public:
  // `spec`: comma-separated entries `name:<certificate name>` (a DNS subject alternative
  // name or the common name of the peer's verified client certificate) or
  // `ip:<address>` (the peer's IP address, e.g. ip:127.0.0.1). Empty = local mode.
  // `mutual_tls`: whether the server verifies client certificates; `name:` entries need it
  // (without it no certificate name is verified). INVALID_ARGUMENT otherwise.
  static absl::StatusOr<GatewayTrust> Parse(const std::string& spec, bool mutual_tls);

  // False in local mode.
  bool enabled() const { return !names_.empty() || !addresses_.empty(); }

  // The caller's identity. In local mode: unverified and empty. Otherwise verified; from
  // a trusted gateway the headers give the customer and roles; from any other peer there
  // is no customer. UNAUTHENTICATED when identity headers come from an untrusted peer, or
  // come twice, or hold a malformed customer id.
  absl::StatusOr<CallerIdentity> Identify(const grpc::ServerContext& context) const;

  // Whether the call's peer is a trusted gateway (exposed for tests and logs).
  bool IsGateway(const grpc::ServerContext& context) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::string> addresses_;
};

// "ipv4:10.0.0.7:4321" -> "10.0.0.7", "ipv6:[::1]:4321" -> "::1"; other forms unchanged.
std::string PeerAddress(const std::string& grpc_peer);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_CALLER_IDENTITY_H_
