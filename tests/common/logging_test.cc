// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/logging.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "google/protobuf/duration.pb.h"
#include "google/protobuf/text_format.h"
#include "tests/catch.h"
#include "tests/common/capture_stderr.h"

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

TEST_CASE("NaN and infinities are JSON strings, so every line parses", "[logging]") {
  const std::string line = FormatLogLine(absl::UnixEpoch(), LogLevel::kInfo, "x",
                                         {{"nan", std::nan("")},
                                          {"inf", std::numeric_limits<double>::infinity()},
                                          {"neg", -std::numeric_limits<float>::infinity()},
                                          {"forever", absl::InfiniteDuration()},
                                          {"fine", 0.25}});
  CHECK(line.find(R"("nan":"NaN","inf":"Infinity","neg":"-Infinity","forever":"Infinity",)"
                  R"("fine":0.25)") != std::string::npos);
}

TEST_CASE("protobuf's own errors become JSON log lines", "[logging]") {
  RouteProtobufLogs();
  // Log writes to stderr: capture it for the duration of one protobuf error.
  google::protobuf::Duration message;
  bool parsed = true;
  const std::string captured = testing::CaptureStderr(
      [&] { parsed = google::protobuf::TextFormat::ParseFromString("seconds: \"x\"", &message); });
  CHECK(!parsed);
  INFO(captured);
  CHECK(captured.rfind("{\"ts\":", 0) == 0);
  CHECK(captured.find(R"("level":"error","event":"protobuf")") != std::string::npos);
  CHECK(captured.find("[libprotobuf") == std::string::npos);
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
