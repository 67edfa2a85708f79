// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Reading x-request-id and traceparent (common/server/request_trace.h), and the per-thread
// log context they end up in. Forwarding is tested end to end in the support-bot tests.
#include "common/server/request_trace.h"

#include <thread>

#include "common/logging.h"
#include "tests/catch.h"
#include "tests/common/capture_stderr.h"

namespace shop {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

constexpr char kTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST_CASE("a valid traceparent and request id are read, with a new span id", "[trace]") {
  Metadata md = {{"x-request-id", "req-1"}, {"traceparent", kTraceparent}};
  const RequestTrace t = TraceFromMetadata(md);
  CHECK(t.request_id == "req-1");
  CHECK(t.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(t.parent_id == "00f067aa0ba902b7");
  CHECK(t.flags == "01");
  REQUIRE(t.span_id.size() == 16);
  CHECK(t.span_id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(t.span_id != t.parent_id);
  CHECK(TraceFromMetadata(md).span_id != t.span_id);  // one span per call
}

TEST_CASE("malformed trace headers are ignored, not echoed", "[trace]") {
  for (const char* bad : {
           "", "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has 4 fields
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",     // 31 digits
       }) {
    INFO(bad);
    Metadata md = {{"traceparent", bad}};
    const RequestTrace t = TraceFromMetadata(md);
    CHECK(t.trace_id.empty());
    CHECK(t.span_id.empty());
  }
  // A later version's first four fields are read (the specification's forward rule).
  Metadata later = {{"traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"}};
  CHECK(TraceFromMetadata(later).trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  for (const std::string& bad : {std::string(129, 'a'), std::string("has space"),
                                 std::string("tab\there"), std::string("\xc3\xa9")}) {
    Metadata md = {{"x-request-id", bad}};
    CHECK(TraceFromMetadata(md).request_id.empty());
  }
  CHECK(TraceFromMetadata(Metadata{}).empty());
}

TEST_CASE("the thread's log context is on every line of that thread only, until cleared",
          "[trace][logging]") {
  std::string other_thread;
  const std::string text = testing::CaptureStderr([&] {
    SetThreadLogContext({{"request_id", "req-7"}, {"trace_id", "abc"}});
    Log(LogLevel::kWarning, "first", {{"n", 1}});
    std::thread([] { Log(LogLevel::kWarning, "elsewhere"); }).join();
    Log(LogLevel::kWarning, "second");
    ClearThreadLogContext();
    Log(LogLevel::kWarning, "after");
  });
  INFO(text);
  CHECK(text.find(R"("event":"first","n":1,"request_id":"req-7","trace_id":"abc"})") !=
        std::string::npos);
  CHECK(text.find(R"("event":"second","request_id":"req-7","trace_id":"abc"})") !=
        std::string::npos);
  CHECK(text.find(R"("event":"elsewhere"})") != std::string::npos);
  CHECK(text.find(R"("event":"after"})") != std::string::npos);
}

}  // namespace
}  // namespace shop
