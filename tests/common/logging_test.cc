// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/logging.h"

#include "tests/catch.h"

namespace shop {
namespace {

TEST_CASE("a log line is one JSON object with typed fields", "[logging]") {
  const absl::Time t = absl::FromUnixMillis(1795000000123);
  const std::string line = FormatLogLine(
      t, LogLevel::kWarning, "model_loaded",
      {{"model", "example"}, {"version", 3}, {"ok", true}, {"load_s", absl::Milliseconds(1500)}});
  CHECK(line ==
        "{\"ts\":\"2026-11-18T11:06:40.123Z\",\"level\":\"warning\",\"event\":\"model_loaded\","
        "\"model\":\"example\",\"version\":3,\"ok\":true,\"load_s\":1.5}");
}

TEST_CASE("log values with quotes and newlines stay on one line", "[logging]") {
  const std::string line =
      FormatLogLine(absl::UnixEpoch(), LogLevel::kError, "x", {{"error", "a \"b\"\nc\\"}});
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find(R"("error":"a \"b\"\nc\\")") != std::string::npos);
}

TEST_CASE("log levels parse by name and reject unknown ones", "[logging]") {
  LogLevel level = LogLevel::kInfo;
  CHECK(ParseLogLevel("DEBUG", &level));
  CHECK(level == LogLevel::kDebug);
  CHECK(ParseLogLevel("warning", &level));
  CHECK(level == LogLevel::kWarning);
  CHECK_FALSE(ParseLogLevel("verbose", &level));
}

}  // namespace
}  // namespace shop
