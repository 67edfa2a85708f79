// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/recommender_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/country_codes.h"
#include "common/logging.h"
#include "common/server/error_details.h"
#include "common/server/grpc_status.h"
#include "common/status_macros.h"

namespace shop::recommender {
namespace {

// Events may be stamped by clients with slightly fast clocks, not from the future.
constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

const char* FallbackLabel(v1::Fallback f) {
  switch (f) {
    case v1::FALLBACK_NONE:
      return "none";
    case v1::FALLBACK_COLD_START:
      return "cold_start";
    case v1::FALLBACK_MODEL_UNAVAILABLE:
      return "model_unavailable";
    case v1::FALLBACK_BACKFILL:
      return "backfill";
    default:
      return "unspecified";
  }
}

EventKind ToKind(v1::EventType type) {
  switch (type) {
    case v1::EVENT_TYPE_ADD_TO_CART:
      return EventKind::kCart;
    case v1::EVENT_TYPE_PURCHASE:
      return EventKind::kPurchase;
    default:
      return EventKind::kView;
  }
}

absl::Status ValidateFilters(const v1::Filters& filters, std::string* country) {
  ASSIGN_OR_RETURN(*country, ValidateCountry(filters.ship_to_country(), "filters.ship_to_country"));
  if (filters.category_id().size() > kMaxCategoryLength) {
    return InvalidFieldError(
        "filters.category_id",
        absl::StrCat("filters.category_id is longer than ", kMaxCategoryLength, " characters"));
  }
  if (filters.excluded_item_ids_size() > kMaxExcludedItems) {
    return InvalidFieldError(
        "filters.excluded_item_ids",
        absl::StrCat("filters.excluded_item_ids has ", filters.excluded_item_ids_size(),
                     " ids; at most ", kMaxExcludedItems));
  }
  for (int i = 0; i < filters.excluded_item_ids_size(); ++i) {
    RETURN_IF_ERROR(ValidateItemId(filters.excluded_item_ids(i),
                                   absl::StrCat("filters.excluded_item_ids[", i, "]")));
  }
  return absl::OkStatus();
}

absl::Status ValidateK(int k) {
  if (k < 1 || k > kMaxK) {
    return InvalidFieldError("k", absl::StrCat("k=", k, " is outside 1..", kMaxK));
  }
  return absl::OkStatus();
}

template <typename Response>
void FillItems(const Catalog& catalog, const EngineResult& result, Response* response) {
  for (const EngineItem& e : result.items) {
    v1::RecommendedItem* item = response->add_items();
    item->set_item_id(catalog.ItemAt(e.index)->item_id);
    item->set_score(e.score);
    item->mutable_reason()->set_type(e.reason);
    if (e.related_index > 0) {
      item->mutable_reason()->set_related_item_id(catalog.ItemAt(e.related_index)->item_id);
    }
  }
  response->set_model_version(result.model_version);
  response->set_filtered_out_count(result.filtered_out);
}

// Item and event ids: 1..64 of [A-Za-z0-9._:-] (never '|', the Redis store's separator).
absl::Status ValidateId(absl::string_view id, absl::string_view field, absl::string_view what) {
  if (id.empty() || id.size() > 64) {
    return InvalidFieldError(
        field, absl::StrCat(field, ": ", what, "s must be 1..64 characters, got ", id.size()));
  }
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) {
      return InvalidFieldError(field, absl::StrCat(field, ": ", what, " \"", id,
                                                   "\" has a character outside [A-Za-z0-9._:-]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateItemId(absl::string_view id, absl::string_view field) {
  return ValidateId(id, field, "item id");
}

absl::Status ValidateUserId(absl::string_view id) {
  if (id.empty() || id.size() > 128) {
    return InvalidFieldError("user_id",
                             absl::StrCat("user_id must be 1..128 characters, got ", id.size()));
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidFieldError("user_id", "user_id must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ValidateCountry(absl::string_view code, absl::string_view field) {
  if (code.empty()) return std::string();
  std::optional<std::string> normalized = NormalizeCountryCode(code);
  if (!normalized) {
    return InvalidFieldError(
        field, absl::StrCat(field, "=\"", code, "\" is not an ISO 3166-1 alpha-2 country code"));
  }
  return *normalized;
}

RecommenderMetrics::RecommenderMetrics(prometheus::Registry& registry)
    : results_(prometheus::BuildCounter()
                   .Name("shop_recommender_results_total")
                   .Help("Answers by RPC and fallback used.")
                   .Register(registry)),
      filtered_out_(prometheus::BuildCounter()
                        .Name("shop_recommender_filtered_out_total")
                        .Help("Top candidates removed by business filters.")
                        .Register(registry)),
      unknown_items_(&prometheus::BuildCounter()
                          .Name("shop_recommender_unknown_items_total")
                          .Help("History items unknown to the model, skipped.")
                          .Register(registry)
                          .Add({})),
      events_(prometheus::BuildCounter()
                  .Name("shop_recommender_events_total")
                  .Help("Events recorded, by type.")
                  .Register(registry)),
      duplicate_events_(&prometheus::BuildCounter()
                             .Name("shop_recommender_duplicate_events_total")
                             .Help("RecordEvent retries whose event_id was already stored.")
                             .Register(registry)
                             .Add({})),
      store_errors_(prometheus::BuildCounter()
                        .Name("shop_recommender_history_store_errors_total")
                        .Help("Failed history store calls, by operation.")
                        .Register(registry)),
      history_users_(&prometheus::BuildGauge()
                          .Name("shop_recommender_history_users")
                          .Help("Users held by the history store.")
                          .Register(registry)
                          .Add({})) {}

void RecommenderMetrics::RecordResult(const std::string& rpc, const EngineResult& result) {
  results_.Add({{"rpc", rpc}, {"fallback", FallbackLabel(result.fallback)}}).Increment();
  filtered_out_.Add({{"rpc", rpc}}).Increment(result.filtered_out);
  unknown_items_->Increment(result.unknown_items);
}

void RecommenderMetrics::RecordStoreError(const std::string& operation) {
  store_errors_.Add({{"operation", operation}}).Increment();
}

void RecommenderMetrics::RecordEvent(v1::EventType type) {
  events_.Add({{"type", v1::EventType_Name(type)}}).Increment();
}

absl::StatusOr<RecommendationEngine*> RecommenderService::Engine() const {
  RecommendationEngine* engine = engine_.load();
  if (engine == nullptr) {
    return WithReason(absl::UnavailableError("recommender model is loading; retry"),
                      "MODEL_LOADING");
  }
  return engine;
}

grpc::Status RecommenderService::Recommend(grpc::ServerContext* context,
                                           const v1::RecommendRequest* request,
                                           v1::RecommendResponse* response) {
  absl::Status allowed = MayActFor(*context, request->user_id());
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  return ToGrpcStatus(DoRecommend(context, *request, response));
}

absl::Status RecommenderService::DoRecommend(grpc::ServerContext* context,
                                             const v1::RecommendRequest& request,
                                             v1::RecommendResponse* response) {
  ASSIGN_OR_RETURN(RecommendationEngine * engine, Engine());
  RETURN_IF_ERROR(ValidateK(request.k()));
  if (request.user_id().empty() && request.recent_item_ids().empty()) {
    return InvalidFieldsError({"user_id", "recent_item_ids"},
                              "give user_id, recent_item_ids, or both");
  }
  if (!request.user_id().empty()) RETURN_IF_ERROR(ValidateUserId(request.user_id()));
  if (request.recent_item_ids_size() > kMaxRecentItems) {
    return InvalidFieldError("recent_item_ids",
                             absl::StrCat("recent_item_ids has ", request.recent_item_ids_size(),
                                          " ids; at most ", kMaxRecentItems));
  }
  for (int i = 0; i < request.recent_item_ids_size(); ++i) {
    RETURN_IF_ERROR(
        ValidateItemId(request.recent_item_ids(i), absl::StrCat("recent_item_ids[", i, "]")));
  }
  RecommendInput input;
  RETURN_IF_ERROR(ValidateFilters(request.filters(), &input.country));
  input.category = request.filters().category_id();
  input.k = request.k();
  input.excluded.assign(request.filters().excluded_item_ids().begin(),
                        request.filters().excluded_item_ids().end());
  if (!request.user_id().empty()) {
    absl::StatusOr<std::vector<HistoryEvent>> events = store_->Get(request.user_id());
    if (!events.ok()) {
      // Reads degrade: without the stored history the answer falls back to the explicit
      // items or to popularity, which serves a shop page better than an error. Writes
      // (RecordEvent, DeleteUser) fail instead, so that nothing is silently lost.
      metrics_->RecordStoreError("get");
      Log(LogLevel::kWarning, "history_store_unavailable", {{"error", events.status()}});
      events = std::vector<HistoryEvent>{};
    }
    for (const HistoryEvent& e : *events) {
      input.history.push_back(e.item_id);
      // Seen items are not news to the shopper; purchases may come back on request
      // (consumables are bought again).
      if (e.kind != EventKind::kPurchase || !request.include_purchased()) {
        input.excluded.push_back(e.item_id);
      }
    }
  }
  input.history.insert(input.history.end(), request.recent_item_ids().begin(),
                       request.recent_item_ids().end());
  input.excluded.insert(input.excluded.end(), request.recent_item_ids().begin(),
                        request.recent_item_ids().end());
  input.context.deadline = absl::FromChrono(context->deadline());
  input.context.is_cancelled = [context] { return context->IsCancelled(); };

  ASSIGN_OR_RETURN(EngineResult result, engine->Recommend(input));
  metrics_->RecordResult("Recommend", result);
  FillItems(engine->catalog(), result, response);
  response->set_fallback(result.fallback);
  response->set_history_items_used(result.history_used);
  for (v1::RecommendedItem& item : *response->mutable_items()) {
    if (item.reason().type() == v1::REASON_TYPE_POPULAR_IN_COUNTRY) {
      item.mutable_reason()->set_country(input.country);
    }
  }
  return absl::OkStatus();
}

grpc::Status RecommenderService::SimilarItems(grpc::ServerContext* context,
                                              const v1::SimilarItemsRequest* request,
                                              v1::SimilarItemsResponse* response) {
  return ToGrpcStatus(DoSimilarItems(*request, response));
}

absl::Status RecommenderService::DoSimilarItems(const v1::SimilarItemsRequest& request,
                                                v1::SimilarItemsResponse* response) {
  ASSIGN_OR_RETURN(RecommendationEngine * engine, Engine());
  RETURN_IF_ERROR(ValidateItemId(request.item_id(), "item_id"));
  RETURN_IF_ERROR(ValidateK(request.k()));
  std::string country;
  RETURN_IF_ERROR(ValidateFilters(request.filters(), &country));
  std::vector<std::string> excluded(request.filters().excluded_item_ids().begin(),
                                    request.filters().excluded_item_ids().end());
  ASSIGN_OR_RETURN(EngineResult result,
                   engine->SimilarItems(request.item_id(), excluded, country,
                                        request.filters().category_id(), request.k()));
  metrics_->RecordResult("SimilarItems", result);
  FillItems(engine->catalog(), result, response);
  return absl::OkStatus();
}

grpc::Status RecommenderService::RecordEvent(grpc::ServerContext* context,
                                             const v1::RecordEventRequest* request,
                                             v1::RecordEventResponse* response) {
  absl::Status allowed = MayActFor(*context, request->user_id());
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  return ToGrpcStatus(DoRecordEvent(*request, response));
}

absl::Status RecommenderService::DoRecordEvent(const v1::RecordEventRequest& request,
                                               v1::RecordEventResponse* response) {
  ASSIGN_OR_RETURN(RecommendationEngine * engine, Engine());
  RETURN_IF_ERROR(ValidateUserId(request.user_id()));
  RETURN_IF_ERROR(ValidateItemId(request.item_id(), "item_id"));
  if (request.event_type() == v1::EVENT_TYPE_UNSPECIFIED ||
      !v1::EventType_IsValid(request.event_type())) {
    return InvalidFieldError("event_type", "event_type must be VIEW, ADD_TO_CART or PURCHASE");
  }
  ASSIGN_OR_RETURN(std::string country,
                   ValidateCountry(request.ship_to_country(), "ship_to_country"));
  const absl::Time now = absl::Now();
  absl::Time when = now;
  if (request.has_event_time()) {
    when = absl::FromUnixSeconds(request.event_time().seconds()) +
           absl::Nanoseconds(request.event_time().nanos());
    if (when > now + kMaxClockSkew) {
      return InvalidFieldError("event_time", "event_time is more than 5 minutes in the future");
    }
  }
  if (!request.event_id().empty()) {
    RETURN_IF_ERROR(ValidateId(request.event_id(), "event_id", "event id"));
  }
  HistoryEvent event{request.item_id(), ToKind(request.event_type()), absl::ToUnixMillis(when),
                     request.event_id()};
  absl::StatusOr<AppendResult> stored = store_->Record(request.user_id(), event);
  if (!stored.ok()) {
    metrics_->RecordStoreError("append");
    return stored.status();
  }
  if (stored->duplicate) {
    metrics_->RecordDuplicateEvent();
  } else {
    // Purchases count fully toward popularity, carts half; views are too noisy to count.
    if (event.kind == EventKind::kPurchase) engine->RecordPopularity(event.item_id, country, 1.0f);
    if (event.kind == EventKind::kCart) engine->RecordPopularity(event.item_id, country, 0.5f);
    metrics_->RecordEvent(request.event_type());
  }
  response->set_history_length(static_cast<int32_t>(stored->length));
  response->set_duplicate(stored->duplicate);
  response->set_item_known(engine->catalog().IndexOf(request.item_id()).has_value());
  return absl::OkStatus();
}

grpc::Status RecommenderService::DeleteUser(grpc::ServerContext* context,
                                            const v1::DeleteUserRequest* request,
                                            v1::DeleteUserResponse* response) {
  absl::Status allowed = MayDelete(*context);
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  return ToGrpcStatus(DoDeleteUser(*request, response));
}

absl::Status RecommenderService::MayActFor(const grpc::ServerContext& context,
                                           const std::string& user_id) const {
  ASSIGN_OR_RETURN(CallerIdentity caller, trust_.Identify(context));
  if (!caller.verified || user_id.empty() || caller.is_operator) return absl::OkStatus();
  if (caller.customer_id.empty()) {
    return absl::PermissionDeniedError(
        "user_id names a shopper, but the call carries no signed-in customer; send the "
        "customer's token, or recent_item_ids only");
  }
  if (caller.customer_id != user_id) {
    return absl::PermissionDeniedError(
        "user_id differs from the signed-in customer; a customer may only use their own "
        "history");
  }
  return absl::OkStatus();
}

absl::Status RecommenderService::MayDelete(const grpc::ServerContext& context) const {
  ASSIGN_OR_RETURN(CallerIdentity caller, trust_.Identify(context));
  if (caller.verified && !caller.is_operator) {
    return absl::PermissionDeniedError(
        "DeleteUser needs the operator role (a token whose role claim is \"operator\")");
  }
  return absl::OkStatus();
}

absl::Status RecommenderService::DoDeleteUser(const v1::DeleteUserRequest& request,
                                              v1::DeleteUserResponse* response) {
  RETURN_IF_ERROR(ValidateUserId(request.user_id()));
  absl::StatusOr<int64_t> deleted = store_->Delete(request.user_id());
  if (!deleted.ok()) {
    metrics_->RecordStoreError("delete");
    return deleted.status();
  }
  response->set_deleted(*deleted > 0);
  response->set_deleted_event_count(*deleted);
  return absl::OkStatus();
}

}  // namespace shop::recommender
