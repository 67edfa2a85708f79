// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the serving layer's string configuration (common/server): the environment as
// ApplyEnvironmentToFlags reads it (the input's lines "SHOP_NAME=value" are the
// environment; the real flags of server_options.cc are registered), ServerOptions::FromFlags,
// GatewayTrust::Parse of --trusted_gateways as the services call it, PeerAddress and
// EnvVarForFlag. Checked: a value set from the environment is the flag's value afterwards;
// a spec accepted without mutual TLS is accepted with it, and one without entries is local
// mode; PeerAddress returns part of its input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/server/caller_identity.h"
#include "common/server/env_flags.h"
#include "common/server/server_options.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckGatewayTrust(const std::string& spec) {
  const absl::StatusOr<shop::GatewayTrust> plaintext = shop::GatewayTrust::Parse(spec, false);
  const absl::StatusOr<shop::GatewayTrust> mutual_tls = shop::GatewayTrust::Parse(spec, true);
  if (plaintext.ok()) Check(mutual_tls.ok() && mutual_tls->enabled() == plaintext->enabled());
  const bool no_entries =
      absl::StripAsciiWhitespace(spec).find_first_not_of(", \t\n\v\f\r") == absl::string_view::npos;
  if (no_entries) Check(mutual_tls.ok() && !mutual_tls->enabled());
  if (mutual_tls.ok() && !no_entries) Check(mutual_tls->enabled());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  std::map<std::string, std::string> environment;
  for (absl::string_view line : absl::StrSplit(input, '\n')) {
    const std::pair<std::string, std::string> entry = absl::StrSplit(line, absl::MaxSplits('=', 1));
    environment.emplace(entry.first, entry.second);  // the first definition wins, as in getenv
  }
  const shop::EnvLookup lookup = [&environment](const std::string& name) {
    const auto it = environment.find(name);
    return it == environment.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const absl::Status applied = shop::ApplyEnvironmentToFlags(lookup);
  if (applied.ok()) {
    for (const auto& [name, flag] : absl::GetAllFlags()) {
      if (!flag->IsOfType<std::string>()) continue;
      const auto it = environment.find(shop::EnvVarForFlag(name));
      if (it != environment.end() && !absl::StrContains(flag->Filename(), "absl/")) {
        Check(flag->TryGet<std::string>() == it->second);
      }
    }
  } else {
    Check(absl::IsInvalidArgument(applied));
  }
  const shop::ServerOptions options = shop::ServerOptions::FromFlags();
  CheckGatewayTrust(options.trusted_gateways);
  CheckGatewayTrust(input);

  const std::string peer = shop::PeerAddress(input);
  Check(absl::StrContains(input, peer));
  if (!absl::StartsWith(input, "ipv4:") && !absl::StartsWith(input, "ipv6:")) {
    Check(peer == input);
  }
  Check(shop::EnvVarForFlag(input) == "SHOP_" + absl::AsciiStrToUpper(input));
  return 0;
}
