// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/caller_identity.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/security/auth_context.h"

namespace shop {
namespace {

std::string ToString(const grpc::string_ref& s) { return std::string(s.data(), s.size()); }

// All values of one request header (gRPC lower-cases header names).
std::vector<std::string> HeaderValues(const grpc::ServerContext& context, const char* name) {
  std::vector<std::string> values;
  auto range = context.client_metadata().equal_range(name);
  for (auto it = range.first; it != range.second; ++it) values.push_back(ToString(it->second));
  return values;
}

// What the gateway forwards from the token's `sub`: 1..128 printable ASCII characters
// without spaces (the bot's documented customer_id format).
bool ValidCustomerId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

}  // namespace

std::string PeerAddress(const std::string& grpc_peer) {
  absl::string_view p = grpc_peer;
  if (absl::ConsumePrefix(&p, "ipv6:")) {
    if (absl::ConsumePrefix(&p, "[")) {
      const size_t end = p.find(']');
      if (end != absl::string_view::npos) return std::string(p.substr(0, end));
    }
    return std::string(p);
  }
  if (absl::ConsumePrefix(&p, "ipv4:")) {
    const size_t colon = p.rfind(':');
    return std::string(colon == absl::string_view::npos ? p : p.substr(0, colon));
  }
  return grpc_peer;
}

absl::StatusOr<GatewayTrust> GatewayTrust::Parse(const std::string& spec, bool mutual_tls) {
  GatewayTrust trust;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    if (absl::ConsumePrefix(&entry, "name:") && !entry.empty()) {
      if (!mutual_tls) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--trusted_gateways entry name:", entry,
            " needs mutual TLS (--tls_client_ca_file): without it no client certificate "
            "name is verified"));
      }
      trust.names_.emplace_back(entry);
    } else if (absl::ConsumePrefix(&entry, "ip:") && !entry.empty()) {
      trust.addresses_.emplace_back(entry);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--trusted_gateways entry \"", entry,
                       "\" is neither name:<certificate name> nor ip:<address>"));
    }
  }
  return trust;
}

bool GatewayTrust::IsGateway(const grpc::ServerContext& context) const {
  if (!addresses_.empty()) {
    const std::string address = PeerAddress(context.peer());
    if (std::find(addresses_.begin(), addresses_.end(), address) != addresses_.end()) {
      return true;
    }
  }
  if (names_.empty()) return false;
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // Set only for a client certificate the server verified (mutual TLS requires and
  // verifies one; Parse refuses name: entries without it).
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return false;
  for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      if (std::find(names_.begin(), names_.end(), ToString(value)) != names_.end()) return true;
    }
  }
  return false;
}

absl::StatusOr<CallerIdentity> GatewayTrust::Identify(const grpc::ServerContext& context) const {
  CallerIdentity identity;
  if (!enabled()) return identity;
  identity.verified = true;
  const std::vector<std::string> customers = HeaderValues(context, kCustomerIdHeader);
  const std::vector<std::string> roles = HeaderValues(context, kRolesHeader);
  if (customers.empty() && roles.empty()) return identity;  // anonymous
  if (!IsGateway(context)) {
    return absl::UnauthenticatedError(
        absl::StrCat(kCustomerIdHeader, "/", kRolesHeader,
                     " headers are only accepted from the gateway; call through it with a "
                     "bearer token instead"));
  }
  if (customers.size() > 1 || roles.size() > 1) {
    return absl::UnauthenticatedError("identity headers sent more than once");
  }
  if (!customers.empty()) {
    if (!ValidCustomerId(customers[0])) {
      return absl::UnauthenticatedError(
          "the gateway forwarded a customer id that is not 1..128 printable ASCII characters");
    }
    identity.customer_id = customers[0];
  }
  if (!roles.empty()) {
    for (absl::string_view role : absl::StrSplit(roles[0], ',', absl::SkipWhitespace())) {
      if (absl::StripAsciiWhitespace(role) == kOperatorRole) identity.is_operator = true;
    }
  }
  return identity;
}

}  // namespace shop
