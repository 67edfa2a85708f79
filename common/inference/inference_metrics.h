// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Per-model metrics in the spirit of Triton's, labelled {model="<name>"}:
//   shop_inference_requests_total{model,outcome}  outcome: success, failed, rejected
//                                                 (queue full), expired (deadline),
//                                                 cancelled
//   shop_inference_batches_total{model}           forward calls executed
//   shop_inference_batch_size{model}              histogram of requests per forward call
//   shop_inference_queue_seconds{model}           histogram, enqueue -> batch start
//   shop_inference_compute_seconds{model}         histogram, one forward call
//   shop_inference_queue_depth{model}             gauge, requests waiting
//   shop_inference_queue_capacity{model}          gauge, --max_queue_size (depth / capacity
//                                                 is the saturation alerts watch)
//   shop_model_version_loaded{model}              gauge, version now serving
//   shop_model_loads_total{model,result}          result: success, failure
#ifndef SHOP_COMMON_INFERENCE_INFERENCE_METRICS_H_
#define SHOP_COMMON_INFERENCE_INFERENCE_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shop {

enum class RequestOutcome { kSuccess, kFailed, kRejected, kExpired, kCancelled };

class InferenceMetrics {
 public:
  // Registers (or merges into) the families of `registry`; `registry` must outlive this.
  InferenceMetrics(prometheus::Registry& registry, const std::string& model);

  void RecordOutcome(RequestOutcome outcome);
  void RecordBatch(int64_t size, double compute_seconds);
  void RecordQueueTime(double seconds);
  void SetQueueDepth(int64_t depth);
  void SetQueueCapacity(int64_t capacity);
  void RecordLoad(bool success, int64_t version);
  // A version refused because its files do not match (or lack) their recorded SHA-256.
  void RecordIntegrityFailure() { integrity_failures_->Increment(); }

  const std::string& model() const { return model_; }

 private:
  std::string model_;
  prometheus::Counter* success_;
  prometheus::Counter* failed_;
  prometheus::Counter* rejected_;
  prometheus::Counter* expired_;
  prometheus::Counter* cancelled_;
  prometheus::Counter* batches_;
  prometheus::Histogram* batch_size_;
  prometheus::Histogram* queue_seconds_;
  prometheus::Histogram* compute_seconds_;
  prometheus::Gauge* queue_depth_;
  prometheus::Gauge* queue_capacity_;
  prometheus::Gauge* version_loaded_;
  prometheus::Counter* loads_ok_;
  prometheus::Counter* loads_failed_;
  prometheus::Counter* integrity_failures_;
};

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_INFERENCE_METRICS_H_
