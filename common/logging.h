// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Structured logging: one JSON object per line on stderr, one line per event, so that log
// pipelines (kubectl logs, Loki, Cloud Logging) can index fields without regexes.
//
//   Log(LogLevel::kInfo, "model_loaded", {{"model", name}, {"version", version}});
//   -> {"ts":"2026-11-28T20:00:00.123Z","level":"info","event":"model_loaded","model":"x",...}
//
// Request payloads are never logged by the common layer; services log them only when
// --log_payloads is set (see LogPayloadsEnabled()).
#ifndef SHOP_COMMON_LOGGING_H_
#define SHOP_COMMON_LOGGING_H_

#include <cmath>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shop {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One key/value pair of a log line. Numbers stay JSON numbers; everything else is a string.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value)
      : key_(key), value_(value), quoted_(true) {}
  LogField(absl::string_view key, const std::string& value)
      : key_(key), value_(value), quoted_(true) {}
  LogField(absl::string_view key, const char* value) : key_(key), value_(value), quoted_(true) {}
  LogField(absl::string_view key, bool value)
      : key_(key), value_(value ? "true" : "false"), quoted_(false) {}
  LogField(absl::string_view key, const absl::Status& status)
      : key_(key), value_(status.ToString()), quoted_(true) {}
  LogField(absl::string_view key, absl::Duration d) : LogField(key, absl::ToDoubleSeconds(d)) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  LogField(absl::string_view key, T value)
      : key_(key), value_(absl::StrCat(value)), quoted_(false) {
    // JSON has no NaN or infinity: they become the strings "NaN", "Infinity", "-Infinity"
    // (as JavaScript prints them), so that every line stays parseable.
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(value)) {
        value_ = "NaN";
        quoted_ = true;
      } else if (std::isinf(value)) {
        value_ = value > 0 ? "Infinity" : "-Infinity";
        quoted_ = true;
      }
    }
  }

  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  bool quoted() const { return quoted_; }

 private:
  std::string key_;
  std::string value_;
  bool quoted_;
};

// Lines below this level are dropped. Default kInfo; set from --log_level at start-up.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Parses "debug", "info", "warning", "error".
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Whether services may log request/response payloads (off by default: they hold user data).
void SetLogPayloads(bool enabled);
bool LogPayloadsEnabled();

// Formats one line without the trailing newline (exposed for tests).
std::string FormatLogLine(absl::Time time, LogLevel level, absl::string_view event,
                          std::initializer_list<LogField> fields);

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {});

// Fields appended to every line this thread logs until cleared: the request a handler
// thread is serving (its x-request-id and trace ids, set by the request trace
// interceptor), so that every line of one request can be found together.
void SetThreadLogContext(std::vector<LogField> fields);
void ClearThreadLogContext();

// Sends protobuf's own diagnostics (e.g. a text-format parse error) through Log() as
// {"event":"protobuf","file":...,"line":...,"message":...}, instead of protobuf's plain
// "[libprotobuf ERROR ...]" lines that break a JSON log stream. Called by the serving
// bootstrap; idempotent.
void RouteProtobufLogs();

}  // namespace shop

#endif  // SHOP_COMMON_LOGGING_H_
