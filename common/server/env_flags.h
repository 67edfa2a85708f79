// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Kubernetes-style configuration: every flag `--foo_bar` may also be set by the environment
// variable `SHOP_FOO_BAR`. Precedence: command line > environment > compiled-in default, so
// a ConfigMap sets the baseline and `args:` can still override one value.
//
// The `SHOP_` prefix keeps flags apart from the variables Kubernetes injects for Services
// (e.g. `TRANSLATOR_PORT=tcp://10.0.0.7:50051`).
#ifndef SHOP_COMMON_SERVER_ENV_FLAGS_H_
#define SHOP_COMMON_SERVER_ENV_FLAGS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shop {

inline constexpr absl::string_view kEnvFlagPrefix = "SHOP_";

// `max_batch_size` -> `SHOP_MAX_BATCH_SIZE`.
std::string EnvVarForFlag(absl::string_view flag_name);

// Reads an environment variable; returns nullopt when unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnvironment();

// Sets every registered flag (except Abseil's own) whose environment variable is present.
// Returns InvalidArgument naming the variable when a value does not parse.
absl::Status ApplyEnvironmentToFlags(const EnvLookup& env = ProcessEnvironment());

// Applies the environment, then parses argv (so the command line wins). Exits with a
// message on a bad value, like absl::ParseCommandLine. Returns positional arguments.
std::vector<char*> ParseFlagsWithEnvironment(int argc, char** argv);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_ENV_FLAGS_H_
