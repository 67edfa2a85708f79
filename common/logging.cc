// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/logging.h"

#include <atomic>
#include <cstdio>

#include "absl/base/attributes.h"
#include "absl/base/const_init.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/stubs/logging.h"

namespace shop {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_log_payloads{false};
// Held for each line's write to stderr. What it guards lies outside the program, so no
// member carries ABSL_GUARDED_BY; constant-initialised, so a log line from another static's
// initialiser finds it ready.
ABSL_CONST_INIT absl::Mutex g_stderr_mu(absl::kConstInit);

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load()); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") {
    *level = LogLevel::kDebug;
  } else if (lower == "info") {
    *level = LogLevel::kInfo;
  } else if (lower == "warning" || lower == "warn") {
    *level = LogLevel::kWarning;
  } else if (lower == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void SetLogPayloads(bool enabled) { g_log_payloads.store(enabled); }
bool LogPayloadsEnabled() { return g_log_payloads.load(); }

std::string FormatLogLine(absl::Time time, LogLevel level, absl::string_view event,
                          std::initializer_list<LogField> fields) {
  std::string line = "{\"ts\":";
  AppendJsonString(&line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()));
  line.append(",\"level\":");
  AppendJsonString(&line, LevelName(level));
  line.append(",\"event\":");
  AppendJsonString(&line, event);
  for (const LogField& f : fields) {
    line.push_back(',');
    AppendJsonString(&line, f.key());
    line.push_back(':');
    if (f.quoted()) {
      AppendJsonString(&line, f.value());
    } else {
      line.append(f.value());
    }
  }
  line.push_back('}');
  return line;
}

namespace {
thread_local std::vector<LogField> t_context;
}  // namespace

void SetThreadLogContext(std::vector<LogField> fields) { t_context = std::move(fields); }

void ClearThreadLogContext() { t_context.clear(); }

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line = FormatLogLine(absl::Now(), level, event, fields);
  if (!t_context.empty()) {
    line.pop_back();  // the closing brace
    for (const LogField& f : t_context) {
      line.push_back(',');
      AppendJsonString(&line, f.key());
      line.push_back(':');
      AppendJsonString(&line, f.value());
    }
    line.push_back('}');
  }
  line.push_back('\n');
  // One fwrite per line: stderr is unbuffered, so a single call keeps lines from
  // interleaving across threads.
  absl::MutexLock lock(&g_stderr_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void RouteProtobufLogs() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* filename,
                                     int line, const std::string& message) {
    const LogLevel ours = level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
                          : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                        : LogLevel::kInfo;
    Log(ours, "protobuf", {{"file", filename}, {"line", line}, {"message", message}});
  });
}

}  // namespace shop
