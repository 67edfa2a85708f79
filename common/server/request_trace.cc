// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/request_trace.h"

#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"

namespace shop {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr size_t kMaxRequestIdLength = 128;

bool IsLowerHex(absl::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool AllZero(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

// Span ids only need to be unique within a trace, not secret: a per-thread generator.
std::string NewSpanId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t v = 0;
  while (v == 0) v = rng();  // all-zero is invalid
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[i] = kHex[v & 15];
  return id;
}

absl::string_view Value(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                        const char* key) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

thread_local RequestTrace t_trace;

class RequestTraceInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      t_trace = TraceFromMetadata(*methods->GetRecvInitialMetadata());
      const RequestTrace& trace = t_trace;
      std::vector<LogField> fields;
      if (!trace.request_id.empty()) fields.emplace_back("request_id", trace.request_id);
      if (!trace.trace_id.empty()) {
        fields.emplace_back("trace_id", trace.trace_id);
        fields.emplace_back("span_id", trace.span_id);
      }
      // Also clears what an earlier call on this thread left.
      SetThreadLogContext(std::move(fields));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      t_trace = RequestTrace();
      ClearThreadLogContext();
    }
    methods->Proceed();
  }
};

}  // namespace

RequestTrace TraceFromMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  RequestTrace trace;
  const absl::string_view request_id = Value(metadata, "x-request-id");
  bool printable = !request_id.empty() && request_id.size() <= kMaxRequestIdLength;
  for (char c : request_id) printable = printable && c > 0x20 && c < 0x7f;
  if (printable) trace.request_id = std::string(request_id);
  // version-traceid-parentid-flags; version 00 (a later version's first four fields are
  // read the same way, as the specification asks).
  const std::vector<absl::string_view> parts = absl::StrSplit(Value(metadata, "traceparent"), '-');
  if (parts.size() >= 4 && IsLowerHex(parts[0], 2) && parts[0] != "ff" &&
      (parts[0] != "00" || parts.size() == 4) && IsLowerHex(parts[1], 32) && !AllZero(parts[1]) &&
      IsLowerHex(parts[2], 16) && !AllZero(parts[2]) && IsLowerHex(parts[3], 2)) {
    trace.trace_id = std::string(parts[1]);
    trace.parent_id = std::string(parts[2]);
    trace.flags = std::string(parts[3]);
    trace.span_id = NewSpanId();
  }
  return trace;
}

const RequestTrace& CurrentRequestTrace() { return t_trace; }

void ForwardTrace(const RequestTrace& trace, grpc::ClientContext* context) {
  if (!trace.request_id.empty()) context->AddMetadata("x-request-id", trace.request_id);
  if (!trace.trace_id.empty()) {
    context->AddMetadata("traceparent",
                         absl::StrCat("00-", trace.trace_id, "-", trace.span_id, "-", trace.flags));
  }
}

grpc::experimental::Interceptor* RequestTraceInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* /*info*/) {
  return new RequestTraceInterceptor();
}

}  // namespace shop
