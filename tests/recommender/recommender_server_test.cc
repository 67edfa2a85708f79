// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The real `recommender` binary with the shipped model and demo catalog, over loopback
// gRPC. Expected rankings are computed here independently: the TorchScript model loaded
// with LibTorch, scored against its item embeddings, filtered by the catalog.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "common/inference/model_repository.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/recommender/catalog.h"
#include "shop/recommender/v1/recommender.grpc.pb.h"
#include "tests/catch.h"
#include "tests/common/redis_server.h"
#include "tests/integration/test_client.h"
#include "torch/script.h"

namespace shop::recommender {
namespace {

const std::string kModelRoot = std::string(SHOP_SOURCE_DIR) + "/models";
const std::string kCatalog =
    std::string(SHOP_SOURCE_DIR) + "/services/recommender/demo/catalog.jsonl";

class Client {
 public:
  explicit Client(int port)
      : stub_(v1::Recommender::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                           grpc::InsecureChannelCredentials()))) {}

  grpc::Status Recommend(const v1::RecommendRequest& req, v1::RecommendResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Recommend(&ctx, req, resp);
  }
  grpc::Status Similar(const v1::SimilarItemsRequest& req, v1::SimilarItemsResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->SimilarItems(&ctx, req, resp);
  }
  grpc::Status Record(const std::string& user, const std::string& item, v1::EventType type,
                      v1::RecordEventResponse* resp = nullptr, const std::string& event_id = "",
                      size_t padding_bytes = 0) {
    v1::RecordEventRequest req;
    req.set_user_id(user);
    req.set_item_id(item);
    req.set_event_type(type);
    req.set_event_id(event_id);
    // An unknown field a newer client might send: it makes the message larger, nothing else.
    if (padding_bytes > 0) {
      req.GetReflection()->MutableUnknownFields(&req)->AddLengthDelimited(
          1000, std::string(padding_bytes, 'x'));
    }
    v1::RecordEventResponse local;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->RecordEvent(&ctx, req, resp ? resp : &local);
  }
  grpc::Status Delete(const std::string& user, v1::DeleteUserResponse* resp) {
    v1::DeleteUserRequest req;
    req.set_user_id(user);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->DeleteUser(&ctx, req, resp);
  }

 private:
  std::unique_ptr<v1::Recommender::Stub> stub_;
};

std::unique_ptr<testing::ChildServer> StartServer(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--listen_address=127.0.0.1",  "--port=0",
                                   "--metrics_address=127.0.0.1", "--metrics_port=0",
                                   "--model_root=" + kModelRoot,  "--catalog=" + kCatalog,
                                   "--model_poll_interval=0s"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto server = testing::ChildServer::Start(SHOP_RECOMMENDER_SERVER, args);
  if (!server.ok()) FAIL(server.status().ToString());
  return *std::move(server);
}

std::vector<std::string> ItemIds(const v1::RecommendResponse& r) {
  std::vector<std::string> out;
  for (const auto& item : r.items()) out.push_back(item.item_id());
  return out;
}

// The top k of the shipped model for `history`, among items eligible in `country`,
// computed without the server.
std::vector<std::string> ExpectedTopK(const std::vector<int64_t>& history,
                                      const std::string& country, int k) {
  auto versions = ModelRepository::ListVersions(kModelRoot + "/recommender");
  REQUIRE(versions.ok());
  REQUIRE(!versions->empty());
  const std::string dir = absl::StrCat(kModelRoot, "/recommender/", versions->back());
  torch::jit::script::Module module = torch::jit::load(dir + "/model.pt");
  module.eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor embeddings = module.attr("item_embeddings").toTensor();
  const int64_t max_len = 50;
  torch::Tensor items = torch::zeros({1, max_len}, torch::kInt64);
  for (size_t i = 0; i < history.size(); ++i) {
    items[0][max_len - static_cast<int64_t>(history.size()) + static_cast<int64_t>(i)] = history[i];
  }
  torch::Tensor user = module.forward({items}).toTensor().reshape({-1});
  torch::Tensor scores = torch::mv(embeddings, user);
  auto catalog = Catalog::Load(kCatalog, embeddings.size(0) - 1);
  REQUIRE(catalog.ok());
  torch::Tensor eligible = (*catalog)->EligibleMask(country).clone();
  for (int64_t item : history) eligible[item] = false;  // seen items are not recommended
  scores.masked_fill_(eligible.logical_not(), -1e30);
  torch::Tensor top = std::get<1>(scores.topk(k));
  std::vector<std::string> out;
  for (int64_t j = 0; j < k; ++j) out.push_back(std::to_string(top[j].item<int64_t>()));
  return out;
}

TEST_CASE("a known history gets the ranking the shipped model computes", "[recommender][grpc]") {
  auto server = StartServer();
  Client client(server->port());
  v1::RecommendRequest req;
  for (const char* id : {"1200", "3456", "3457", "87"}) req.add_recent_item_ids(id);
  req.set_k(10);
  req.mutable_filters()->set_ship_to_country("de");
  v1::RecommendResponse first, second;
  REQUIRE(client.Recommend(req, &first).ok());
  REQUIRE(client.Recommend(req, &second).ok());
  CHECK(first.fallback() == v1::FALLBACK_NONE);
  CHECK(first.history_items_used() == 4);
  CHECK(first.model_version() >= 1);
  CHECK(ItemIds(first) == ItemIds(second));
  CHECK(ItemIds(first) == ExpectedTopK({1200, 3456, 3457, 87}, "DE", 10));
  for (const auto& id : ItemIds(first)) {
    CHECK((id != "1200" && id != "3456" && id != "3457" && id != "87"));
  }
  for (const auto& item : first.items()) {
    CHECK(item.reason().type() == v1::REASON_TYPE_RELATED_TO_HISTORY);
    const std::string& related = item.reason().related_item_id();
    CHECK((related == "1200" || related == "3456" || related == "3457" || related == "87"));
  }
}

TEST_CASE("RecordEvent with an event_id stores a retried event once and says so",
          "[recommender][grpc]") {
  auto server = StartServer();
  Client client(server->port());
  v1::RecordEventResponse first;
  REQUIRE(client.Record("shopper-r", "1200", v1::EVENT_TYPE_PURCHASE, &first, "evt-1").ok());
  CHECK(first.history_length() == 1);
  CHECK_FALSE(first.duplicate());
  v1::RecordEventResponse retry;
  REQUIRE(client.Record("shopper-r", "1200", v1::EVENT_TYPE_PURCHASE, &retry, "evt-1").ok());
  CHECK(retry.history_length() == 1);
  CHECK(retry.duplicate());
  CHECK(retry.item_known());
  v1::RecordEventResponse next;
  REQUIRE(client.Record("shopper-r", "1201", v1::EVENT_TYPE_VIEW, &next, "evt-2").ok());
  CHECK(next.history_length() == 2);
  CHECK_FALSE(next.duplicate());
  // A retry is neither an event nor a purchase for the metrics (nor for popularity).
  auto page = testing::HttpGet(server->metrics_port(), "/metrics");
  REQUIRE(page.ok());
  CHECK(absl::StrContains(*page, "shop_recommender_duplicate_events_total 1"));
  CHECK(absl::StrContains(*page, "shop_recommender_events_total{type=\"EVENT_TYPE_PURCHASE\"} 1"));
  // Malformed ids are refused, naming the field.
  for (const std::string& bad :
       {std::string(65, 'a'), std::string("has space"), std::string("a|b")}) {
    grpc::Status st = client.Record("shopper-r", "1200", v1::EVENT_TYPE_VIEW, nullptr, bad);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(absl::StrContains(st.error_message(), "event_id"));
  }
}

TEST_CASE("a RecordEvent over the size limit is refused, counted and not stored",
          "[recommender][grpc]") {
  auto server = StartServer({"--max_receive_message_bytes=4096"});
  Client client(server->port());
  grpc::Status refused =
      client.Record("shopper-big", "1200", v1::EVENT_TYPE_PURCHASE, nullptr, "evt-big", 5000);
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(absl::StrContains(refused.error_message(), "--max_receive_message_bytes"));
  v1::RecordEventResponse after;
  REQUIRE(client.Record("shopper-big", "1201", v1::EVENT_TYPE_VIEW, &after, "evt-small").ok());
  CHECK(after.history_length() == 1);  // the refused event was not stored
  auto page = testing::HttpGet(server->metrics_port(), "/metrics");
  REQUIRE(page.ok());
  CHECK(testing::FindSample(*page, "grpc_server_handled_total",
                            {"grpc_method=\"RecordEvent\"", "grpc_code=\"RESOURCE_EXHAUSTED\""}) ==
        1);
  CHECK(testing::FindSample(*page, "shop_recommender_events_total",
                            {"type=\"EVENT_TYPE_PURCHASE\""}) <= 0);
}

TEST_CASE("RecordEvent changes the next answer, purchases are excluded, DeleteUser forgets",
          "[recommender][grpc]") {
  auto server = StartServer();
  Client client(server->port());
  v1::RecommendRequest req;
  req.set_user_id("shopper-1");
  req.set_k(5);
  v1::RecommendResponse cold;
  REQUIRE(client.Recommend(req, &cold).ok());
  CHECK(cold.fallback() == v1::FALLBACK_COLD_START);
  CHECK(cold.items_size() == 5);
  CHECK(cold.items(0).reason().type() == v1::REASON_TYPE_POPULAR);

  v1::RecordEventResponse recorded;
  REQUIRE(client.Record("shopper-1", "1200", v1::EVENT_TYPE_VIEW, &recorded).ok());
  CHECK(recorded.history_length() == 1);
  CHECK(recorded.item_known());
  v1::RecommendResponse warm;
  REQUIRE(client.Recommend(req, &warm).ok());
  CHECK(warm.fallback() == v1::FALLBACK_NONE);
  CHECK(warm.history_items_used() == 1);
  CHECK(ItemIds(warm) != ItemIds(cold));
  CHECK(warm.items(0).reason().related_item_id() == "1200");

  for (const auto& id : ItemIds(warm)) CHECK(id != "1200");  // seen: not recommended

  // Buying the top recommendation removes it from the next answer, unless the caller
  // asks for purchased items back (consumables).
  const std::string bought = warm.items(0).item_id();
  REQUIRE(client.Record("shopper-1", bought, v1::EVENT_TYPE_PURCHASE).ok());
  v1::RecommendResponse after;
  REQUIRE(client.Recommend(req, &after).ok());
  for (const auto& id : ItemIds(after)) CHECK(id != bought);
  CHECK(after.items_size() == 5);
  v1::RecommendRequest again = req;
  again.set_include_purchased(true);
  again.set_k(100);
  v1::RecommendResponse with_purchases;
  REQUIRE(client.Recommend(again, &with_purchases).ok());
  const auto ids = ItemIds(with_purchases);
  CHECK(std::find(ids.begin(), ids.end(), bought) != ids.end());
  CHECK(std::find(ids.begin(), ids.end(), "1200") == ids.end());

  v1::DeleteUserResponse deleted;
  REQUIRE(client.Delete("shopper-1", &deleted).ok());
  CHECK(deleted.deleted());
  CHECK(deleted.deleted_event_count() == 2);
  v1::RecommendResponse forgotten;
  REQUIRE(client.Recommend(req, &forgotten).ok());
  CHECK(forgotten.fallback() == v1::FALLBACK_COLD_START);
  REQUIRE(client.Delete("shopper-1", &deleted).ok());
  CHECK_FALSE(deleted.deleted());
}

TEST_CASE("bad requests get INVALID_ARGUMENT naming the problem", "[recommender][grpc]") {
  auto server = StartServer();
  Client client(server->port());
  auto expect_invalid = [&](v1::RecommendRequest req, const std::string& needle) {
    v1::RecommendResponse resp;
    grpc::Status s = client.Recommend(req, &resp);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    INFO(s.error_message());
    CHECK(s.error_message().find(needle) != std::string::npos);
  };
  v1::RecommendRequest base;
  base.add_recent_item_ids("1200");
  base.set_k(10);
  v1::RecommendRequest r = base;
  r.set_k(0);
  expect_invalid(r, "k=0");
  r.set_k(101);
  expect_invalid(r, "1..100");
  r = base;
  r.add_recent_item_ids("bad id");
  expect_invalid(r, "recent_item_ids");
  r = base;
  r.mutable_filters()->set_ship_to_country("XX");
  expect_invalid(r, "ship_to_country");
  r = base;
  r.clear_recent_item_ids();
  expect_invalid(r, "user_id");
  r = base;
  for (int i = 0; i < 201; ++i) r.add_recent_item_ids("1");
  expect_invalid(r, "at most 200");

  v1::SimilarItemsRequest similar;
  similar.set_item_id("99999999");
  similar.set_k(5);
  v1::SimilarItemsResponse similar_resp;
  CHECK(client.Similar(similar, &similar_resp).error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(client.Record("u", "1", v1::EVENT_TYPE_UNSPECIFIED).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);

  // Unknown items in a history are skipped and counted, not an error.
  v1::RecommendRequest unknown = base;
  unknown.add_recent_item_ids("99999999");
  v1::RecommendResponse resp;
  REQUIRE(client.Recommend(unknown, &resp).ok());
  CHECK(resp.history_items_used() == 1);
  auto page = testing::HttpGet(server->metrics_port(), "/metrics");
  REQUIRE(page.ok());
  CHECK(testing::FindSample(*page, "shop_recommender_unknown_items_total", {}) >= 1);
  CHECK(testing::FindSample(*page, "grpc_server_handled_total",
                            {"grpc_method=\"Recommend\"", "grpc_code=\"INVALID_ARGUMENT\""}) == 6);
}

TEST_CASE("similar items share the filters and name the query item as reason",
          "[recommender][grpc]") {
  auto server = StartServer();
  Client client(server->port());
  v1::SimilarItemsRequest req;
  req.set_item_id("1200");
  req.set_k(8);
  req.mutable_filters()->set_ship_to_country("JP");
  v1::SimilarItemsResponse resp;
  REQUIRE(client.Similar(req, &resp).ok());
  CHECK(resp.items_size() == 8);
  auto catalog = Catalog::Load(kCatalog, 12101);
  REQUIRE(catalog.ok());
  for (const auto& item : resp.items()) {
    CHECK(item.item_id() != "1200");
    CHECK(item.reason().type() == v1::REASON_TYPE_SIMILAR_ITEM);
    CHECK(item.reason().related_item_id() == "1200");
    const CatalogItem* c = (*catalog)->ItemAt(std::stoll(item.item_id()));
    REQUIRE(c != nullptr);
    CHECK(c->in_stock);
    CHECK(std::find(c->ship_to.begin(), c->ship_to.end(), "JP") != c->ship_to.end());
  }
}

TEST_CASE("behind a gateway a customer uses only their own history; DeleteUser needs an operator",
          "[recommender][grpc]") {
  // The test's client plays the gateway: it connects from the trusted address.
  auto server = StartServer({"--trusted_gateways=ip:127.0.0.1"});
  auto stub = v1::Recommender::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", server->port()), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& customer, const std::string& role, const std::string& user,
                  bool del) {
    grpc::ClientContext ctx;
    if (!customer.empty()) ctx.AddMetadata("x-shop-customer-id", customer);
    if (!role.empty()) ctx.AddMetadata("x-shop-roles", role);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (del) {
      v1::DeleteUserRequest req;
      req.set_user_id(user);
      v1::DeleteUserResponse resp;
      return stub->DeleteUser(&ctx, req, &resp).error_code();
    }
    v1::RecordEventRequest req;
    req.set_user_id(user);
    req.set_item_id("1200");
    req.set_event_type(v1::EVENT_TYPE_VIEW);
    v1::RecordEventResponse resp;
    return stub->RecordEvent(&ctx, req, &resp).error_code();
  };
  CHECK(call("u-1", "customer", "u-1", false) == grpc::StatusCode::OK);
  CHECK(call("u-2", "customer", "u-1", false) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(call("", "", "u-1", false) == grpc::StatusCode::PERMISSION_DENIED);  // anonymous
  CHECK(call("u-1", "customer", "u-1", true) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(call("", "", "u-1", true) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(call("ops-1", "operator", "u-1", true) == grpc::StatusCode::OK);
  // Recommend: another customer's history is not read; recent items alone need no one.
  v1::RecommendRequest req;
  req.set_user_id("u-1");
  req.set_k(3);
  v1::RecommendResponse resp;
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-shop-customer-id", "u-2");
    CHECK(stub->Recommend(&ctx, req, &resp).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    req.clear_user_id();
    req.add_recent_item_ids("1200");
    CHECK(stub->Recommend(&ctx, req, &resp).ok());
  }
}

TEST_CASE("histories in a Redis that requires AUTH, with the password read from a file",
          "[recommender][grpc][redis]") {
  auto started = testing::RedisServer::Start(absl::Seconds(10), "rec-secret");
  REQUIRE(started.ok());
  const std::string file = std::filesystem::temp_directory_path() /
                           ("shop_rec_redis_password_" + std::to_string(::getpid()));
  std::ofstream(file) << "rec-secret\n";
  auto server = StartServer({"--history_store=redis",
                             absl::StrCat("--redis_address=127.0.0.1:", (*started)->port()),
                             "--redis_password_file=" + file});
  Client client(server->port());
  CHECK(client.Record("auth-user", "1200", v1::EVENT_TYPE_VIEW).ok());
  v1::DeleteUserResponse deleted;  // the event went to Redis and comes out of it again
  REQUIRE(client.Delete("auth-user", &deleted).ok());
  CHECK(deleted.deleted_event_count() == 1);
  std::filesystem::remove(file);
}

TEST_CASE("two replicas on one Redis share histories and deletions", "[recommender][grpc][redis]") {
  auto started = testing::RedisServer::Start();
  REQUIRE(started.ok());
  testing::RedisServer& redis = **started;
  const std::vector<std::string> args = {"--history_store=redis",
                                         absl::StrCat("--redis_address=127.0.0.1:", redis.port())};
  auto a = StartServer(args);
  auto b = StartServer(args);
  Client ca(a->port());
  Client cb(b->port());
  REQUIRE(ca.Record("shared-user", "1200", v1::EVENT_TYPE_VIEW).ok());
  REQUIRE(ca.Record("shared-user", "3456", v1::EVENT_TYPE_ADD_TO_CART).ok());
  v1::RecommendRequest req;
  req.set_user_id("shared-user");
  req.set_k(10);
  v1::RecommendResponse from_b;
  REQUIRE(cb.Recommend(req, &from_b).ok());
  CHECK(from_b.fallback() == v1::FALLBACK_NONE);
  CHECK(from_b.history_items_used() == 2);
  CHECK(ItemIds(from_b) == ExpectedTopK({1200, 3456}, "", 10));

  v1::DeleteUserResponse deleted;
  REQUIRE(cb.Delete("shared-user", &deleted).ok());
  CHECK(deleted.deleted_event_count() == 2);
  v1::RecommendResponse from_a;
  REQUIRE(ca.Recommend(req, &from_a).ok());
  CHECK(from_a.fallback() == v1::FALLBACK_COLD_START);

  // Redis down: reads degrade to the explicit items or popularity; writes fail UNAVAILABLE
  // (retryable) rather than being dropped; both recover when Redis is back.
  redis.Stop();
  req.add_recent_item_ids("1200");
  v1::RecommendResponse down;
  REQUIRE(ca.Recommend(req, &down).ok());
  CHECK(down.fallback() == v1::FALLBACK_NONE);
  CHECK(down.history_items_used() == 1);
  CHECK(ca.Record("shared-user", "87", v1::EVENT_TYPE_VIEW).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  auto page = testing::HttpGet(a->metrics_port(), "/metrics");
  REQUIRE(page.ok());
  CHECK(testing::FindSample(*page, "shop_recommender_history_store_errors_total",
                            {"operation=\"append\""}) == 1);
  REQUIRE(redis.Restart().ok());
  v1::RecordEventResponse recorded;
  REQUIRE(ca.Record("shared-user", "87", v1::EVENT_TYPE_VIEW, &recorded).ok());
  CHECK(recorded.history_length() == 1);
}

}  // namespace
}  // namespace shop::recommender
