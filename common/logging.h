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

#include <initializer_list>
#include <string>
#include <type_traits>

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
  LogField(absl::string_view key, absl::Duration d)
      : key_(key), value_(absl::StrCat(absl::ToDoubleSeconds(d))), quoted_(false) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  LogField(absl::string_view key, T value)
      : key_(key), value_(absl::StrCat(value)), quoted_(false) {}

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

}  // namespace shop

#endif  // SHOP_COMMON_LOGGING_H_
