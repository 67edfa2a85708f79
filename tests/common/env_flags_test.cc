// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/env_flags.h"

#include <map>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "tests/catch.h"

ABSL_FLAG(int, env_test_port, 1, "test flag");
ABSL_FLAG(std::string, env_test_name, "default", "test flag");

namespace shop {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST_CASE("flag names map to SHOP_-prefixed upper-case variables", "[env_flags]") {
  CHECK(EnvVarForFlag("max_batch_size") == "SHOP_MAX_BATCH_SIZE");
}

TEST_CASE("environment variables set flags", "[env_flags]") {
  absl::FlagSaver saver;
  REQUIRE(ApplyEnvironmentToFlags(
              FakeEnv({{"SHOP_ENV_TEST_PORT", "7070"}, {"SHOP_ENV_TEST_NAME", "from-env"}}))
              .ok());
  CHECK(absl::GetFlag(FLAGS_env_test_port) == 7070);
  CHECK(absl::GetFlag(FLAGS_env_test_name) == "from-env");
}

TEST_CASE("unset variables leave defaults alone", "[env_flags]") {
  absl::FlagSaver saver;
  REQUIRE(ApplyEnvironmentToFlags(FakeEnv({})).ok());
  CHECK(absl::GetFlag(FLAGS_env_test_port) == 1);
}

TEST_CASE("a bad environment value is an error naming the variable", "[env_flags]") {
  absl::FlagSaver saver;
  absl::Status s = ApplyEnvironmentToFlags(FakeEnv({{"SHOP_ENV_TEST_PORT", "seventy"}}));
  CHECK(absl::IsInvalidArgument(s));
  CHECK(s.message().find("SHOP_ENV_TEST_PORT") != absl::string_view::npos);
}

TEST_CASE("the command line wins over the environment", "[env_flags]") {
  absl::FlagSaver saver;
  setenv("SHOP_ENV_TEST_PORT", "7070", 1);
  setenv("SHOP_ENV_TEST_NAME", "from-env", 1);
  char arg0[] = "test";
  char arg1[] = "--env_test_port=8080";
  char* argv[] = {arg0, arg1};
  ParseFlagsWithEnvironment(2, argv);
  unsetenv("SHOP_ENV_TEST_PORT");
  unsetenv("SHOP_ENV_TEST_NAME");
  CHECK(absl::GetFlag(FLAGS_env_test_port) == 8080);
  CHECK(absl::GetFlag(FLAGS_env_test_name) == "from-env");
}

}  // namespace
}  // namespace shop
