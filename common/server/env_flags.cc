// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/env_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace shop {

std::string EnvVarForFlag(absl::string_view flag_name) {
  return absl::StrCat(kEnvFlagPrefix, absl::AsciiStrToUpper(flag_name));
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::Status ApplyEnvironmentToFlags(const EnvLookup& env) {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Abseil's own flags (flagfile, fromenv, ...) are not configuration of ours.
    if (absl::StrContains(flag->Filename(), "absl/")) continue;
    const std::string var = EnvVarForFlag(name);
    std::optional<std::string> value = env(var);
    if (!value.has_value()) continue;
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", var, "=\"", *value,
                                                     "\" is not a valid value for --", name, ": ",
                                                     error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseFlagsWithEnvironment(int argc, char** argv) {
  absl::Status status = ApplyEnvironmentToFlags();
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    std::exit(2);
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace shop
