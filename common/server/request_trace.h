// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Request ids and W3C trace context across the services. The gateway (Envoy, HAProxy)
// stamps every call with `x-request-id`, and a tracing client may send `traceparent`
// (https://www.w3.org/TR/trace-context/). The server interceptor reads both, puts them on
// every log line the handler thread writes for that call (request_id, trace_id, span_id),
// and a service that calls another (the support bot calling the translator) forwards
// them: the same request id, and a traceparent with the same trace id and a new span id,
// so that the callee's lines join the caller's. Malformed values are ignored, never
// echoed: they come from outside.
#ifndef SHOP_COMMON_SERVER_REQUEST_TRACE_H_
#define SHOP_COMMON_SERVER_REQUEST_TRACE_H_

#include <map>
#include <string>

#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/string_ref.h"

namespace shop {

struct RequestTrace {
  std::string request_id;  // x-request-id: 1..128 printable ASCII; empty = none
  std::string trace_id;    // 32 lower-case hex digits, not all zero; empty = no traceparent
  std::string parent_id;   // the caller's span: 16 hex digits
  std::string flags;       // 2 hex digits (01 = sampled)
  std::string span_id;     // this server's span for the call: 16 random hex digits

  bool empty() const { return request_id.empty() && trace_id.empty(); }
};

// The trace of a call from its metadata; a fresh span id when it has a trace id.
RequestTrace TraceFromMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// The trace of the call this thread is serving (empty outside a handler): what the
// interceptor below read, with the span id its log lines carry.
const RequestTrace& CurrentRequestTrace();

// Adds the trace to an outgoing call made on behalf of `trace`: x-request-id as received,
// traceparent with the same trace id and flags, and this server's span as the parent.
void ForwardTrace(const RequestTrace& trace, grpc::ClientContext* context);

// Makes TraceFromMetadata(call) the handler thread's CurrentRequestTrace() and log context
// (see SetThreadLogContext) when the call's metadata arrives, and clears both when the
// status is sent. A synchronous server runs both hooks, and the handler, on one thread.
class RequestTraceInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_REQUEST_TRACE_H_
