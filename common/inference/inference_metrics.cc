// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/inference_metrics.h"

namespace shop {
namespace {

prometheus::Histogram::BucketBoundaries TimeBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
}

prometheus::Histogram::BucketBoundaries BatchBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256};
}

}  // namespace

InferenceMetrics::InferenceMetrics(prometheus::Registry& registry, const std::string& model)
    : model_(model) {
  auto& requests = prometheus::BuildCounter()
                       .Name("shop_inference_requests_total")
                       .Help("Inference requests by outcome.")
                       .Register(registry);
  success_ = &requests.Add({{"model", model}, {"outcome", "success"}});
  failed_ = &requests.Add({{"model", model}, {"outcome", "failed"}});
  rejected_ = &requests.Add({{"model", model}, {"outcome", "rejected"}});
  expired_ = &requests.Add({{"model", model}, {"outcome", "expired"}});
  cancelled_ = &requests.Add({{"model", model}, {"outcome", "cancelled"}});
  batches_ = &prometheus::BuildCounter()
                  .Name("shop_inference_batches_total")
                  .Help("Forward calls executed.")
                  .Register(registry)
                  .Add({{"model", model}});
  batch_size_ = &prometheus::BuildHistogram()
                     .Name("shop_inference_batch_size")
                     .Help("Requests merged into one forward call.")
                     .Register(registry)
                     .Add({{"model", model}}, BatchBuckets());
  queue_seconds_ = &prometheus::BuildHistogram()
                        .Name("shop_inference_queue_seconds")
                        .Help("Time from enqueue to the start of the request's batch.")
                        .Register(registry)
                        .Add({{"model", model}}, TimeBuckets());
  compute_seconds_ = &prometheus::BuildHistogram()
                          .Name("shop_inference_compute_seconds")
                          .Help("Duration of one batched forward call.")
                          .Register(registry)
                          .Add({{"model", model}}, TimeBuckets());
  queue_depth_ = &prometheus::BuildGauge()
                      .Name("shop_inference_queue_depth")
                      .Help("Requests waiting in the batcher queue.")
                      .Register(registry)
                      .Add({{"model", model}});
  queue_capacity_ =
      &prometheus::BuildGauge()
           .Name("shop_inference_queue_capacity")
           .Help("Requests the batcher queue holds before rejecting (--max_queue_size).")
           .Register(registry)
           .Add({{"model", model}});
  version_loaded_ = &prometheus::BuildGauge()
                         .Name("shop_model_version_loaded")
                         .Help("Version of the model now serving (0 before the first load).")
                         .Register(registry)
                         .Add({{"model", model}});
  auto& loads = prometheus::BuildCounter()
                    .Name("shop_model_loads_total")
                    .Help("Model version loads by result.")
                    .Register(registry);
  loads_ok_ = &loads.Add({{"model", model}, {"result", "success"}});
  loads_failed_ = &loads.Add({{"model", model}, {"result", "failure"}});
  integrity_failures_ = &prometheus::BuildCounter()
                             .Name("shop_model_integrity_failures_total")
                             .Help(
                                 "Model versions refused because a file's SHA-256 differs "
                                 "from (or is missing in) metadata.json: corrupted, "
                                 "truncated or swapped files.")
                             .Register(registry)
                             .Add({{"model", model}});
}

void InferenceMetrics::RecordOutcome(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::kSuccess:
      success_->Increment();
      break;
    case RequestOutcome::kFailed:
      failed_->Increment();
      break;
    case RequestOutcome::kRejected:
      rejected_->Increment();
      break;
    case RequestOutcome::kExpired:
      expired_->Increment();
      break;
    case RequestOutcome::kCancelled:
      cancelled_->Increment();
      break;
  }
}

void InferenceMetrics::RecordBatch(int64_t size, double compute_seconds) {
  batches_->Increment();
  batch_size_->Observe(static_cast<double>(size));
  compute_seconds_->Observe(compute_seconds);
}

void InferenceMetrics::RecordQueueTime(double seconds) { queue_seconds_->Observe(seconds); }

void InferenceMetrics::SetQueueDepth(int64_t depth) {
  queue_depth_->Set(static_cast<double>(depth));
}

void InferenceMetrics::SetQueueCapacity(int64_t capacity) {
  queue_capacity_->Set(static_cast<double>(capacity));
}

void InferenceMetrics::RecordLoad(bool success, int64_t version) {
  if (success) {
    loads_ok_->Increment();
    version_loaded_->Set(static_cast<double>(version));
  } else {
    loads_failed_->Increment();
  }
}

}  // namespace shop
