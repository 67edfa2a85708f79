// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The gRPC face of the recommender: validates requests (INVALID_ARGUMENT naming the field
// and the limit), assembles histories from the store, calls the engine, and converts
// statuses at the boundary. Sync API: a call blocks on the history store and on the
// batcher, and the server's thread cap bounds how many do.
#ifndef SHOP_SERVICES_RECOMMENDER_RECOMMENDER_SERVICE_H_
#define SHOP_SERVICES_RECOMMENDER_RECOMMENDER_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "common/server/caller_identity.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/recommender/history_store.h"
#include "services/recommender/recommendation_engine.h"
#include "shop/recommender/v1/recommender.grpc.pb.h"

namespace shop::recommender {

// Documented limits of the API (recommender.proto).
inline constexpr int kMaxK = 100;
inline constexpr int kMaxRecentItems = 200;
inline constexpr int kMaxExcludedItems = 1000;
inline constexpr int kMaxCategoryLength = 128;

// Service metrics, beside the standard gRPC ones:
//   shop_recommender_results_total{rpc,fallback}   answers by fallback used
//   shop_recommender_filtered_out_total{rpc}        candidates removed by business filters
//   shop_recommender_unknown_items_total            history items unknown to the model
//   shop_recommender_events_total{type}             events recorded
//   shop_recommender_duplicate_events_total         retried events found already stored
//   shop_recommender_history_store_errors_total{operation}  failed store calls
//   shop_recommender_history_users                  users in the history store (gauge)
class RecommenderMetrics {
 public:
  explicit RecommenderMetrics(prometheus::Registry& registry);
  void RecordResult(const std::string& rpc, const EngineResult& result);
  void RecordEvent(v1::EventType type);
  void RecordStoreError(const std::string& operation);
  void RecordDuplicateEvent() { duplicate_events_->Increment(); }
  void SetHistoryUsers(int64_t users) { history_users_->Set(static_cast<double>(users)); }

 private:
  prometheus::Family<prometheus::Counter>& results_;
  prometheus::Family<prometheus::Counter>& filtered_out_;
  prometheus::Counter* unknown_items_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Counter* duplicate_events_;
  prometheus::Family<prometheus::Counter>& store_errors_;
  prometheus::Gauge* history_users_;
};

class RecommenderService final : public v1::Recommender::Service {
 public:
  // `trust`: who may vouch for the caller (common/server/caller_identity.h). With a
  // gateway configured, a signed-in customer may only name themselves as `user_id`, an
  // anonymous caller no one, and DeleteUser needs the operator role.
  RecommenderService(HistoryStore* store, RecommenderMetrics* metrics, GatewayTrust trust = {})
      : store_(store), metrics_(metrics), trust_(std::move(trust)) {}

  // Until set, calls answer UNAVAILABLE (the model is loading).
  void SetEngine(RecommendationEngine* engine) { engine_.store(engine); }

  grpc::Status Recommend(grpc::ServerContext* context, const v1::RecommendRequest* request,
                         v1::RecommendResponse* response) override;
  grpc::Status SimilarItems(grpc::ServerContext* context, const v1::SimilarItemsRequest* request,
                            v1::SimilarItemsResponse* response) override;
  grpc::Status RecordEvent(grpc::ServerContext* context, const v1::RecordEventRequest* request,
                           v1::RecordEventResponse* response) override;
  grpc::Status DeleteUser(grpc::ServerContext* context, const v1::DeleteUserRequest* request,
                          v1::DeleteUserResponse* response) override;

 private:
  absl::Status DoRecommend(grpc::ServerContext* context, const v1::RecommendRequest& request,
                           v1::RecommendResponse* response);
  absl::Status DoSimilarItems(const v1::SimilarItemsRequest& request,
                              v1::SimilarItemsResponse* response);
  absl::Status DoRecordEvent(const v1::RecordEventRequest& request,
                             v1::RecordEventResponse* response);
  absl::Status DoDeleteUser(const v1::DeleteUserRequest& request, v1::DeleteUserResponse* response);
  absl::StatusOr<RecommendationEngine*> Engine() const;
  // OK when the caller may read or write the history of `user_id` (empty = none named).
  absl::Status MayActFor(const grpc::ServerContext& context, const std::string& user_id) const;
  absl::Status MayDelete(const grpc::ServerContext& context) const;

  HistoryStore* const store_;
  RecommenderMetrics* const metrics_;
  const GatewayTrust trust_;
  std::atomic<RecommendationEngine*> engine_{nullptr};
};

// Validation helpers, exposed for tests.
absl::Status ValidateItemId(absl::string_view id, absl::string_view field);
absl::Status ValidateUserId(absl::string_view id);
absl::StatusOr<std::string> ValidateCountry(absl::string_view code, absl::string_view field);

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_RECOMMENDER_SERVICE_H_
