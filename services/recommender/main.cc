// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// recommender: shop.recommender.v1.Recommender over the common serving bootstrap.
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/inference/blas_kernels.h"
#include "common/inference/inference_options.h"
#include "common/inference/served_model.h"
#include "common/logging.h"
#include "common/server/caller_identity.h"
#include "common/server/data_paths.h"
#include "common/server/env_flags.h"
#include "common/server/serving_bootstrap.h"
#include "services/recommender/catalog.h"
#include "services/recommender/memory_history_store.h"
#include "services/recommender/recommender_service.h"
#include "services/recommender/redis_history_store.h"

ABSL_FLAG(std::string, catalog, "services/recommender/demo/catalog.jsonl",
          "Catalog file: JSON lines with item_id, categories, in_stock, ship_to, popularity.");
ABSL_FLAG(std::string, history_store, "memory", "Where histories live: memory or redis.");
ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (--history_store=redis).");
ABSL_FLAG(std::string, redis_key_prefix, "shop:rec:hist:", "Prefix of the Redis history keys.");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Milliseconds(200), "Redis connect/call timeout.");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the Redis password (AUTH; a mounted Secret); empty = no AUTH.");
ABSL_FLAG(absl::Duration, history_ttl, absl::Hours(24 * 90),
          "Redis: a history expires after this long without events.");
ABSL_FLAG(int, history_max_events, 200, "Events kept per user (the most recent).");
ABSL_FLAG(int64_t, history_max_users, 1000000, "Memory store: users kept (LRU beyond).");
ABSL_FLAG(int64_t, history_max_bytes, 512LL << 20, "Memory store: approximate byte cap (LRU).");
ABSL_FLAG(std::string, item_index, "exact",
          "exact (scan all items) or hnsw (faiss graph, for very large catalogs).");
ABSL_FLAG(int, hnsw_ef_search, 128, "hnsw: query-time beam width (recall vs latency).");
ABSL_FLAG(std::string, scoring_precision, "auto",
          "exact index: auto, fp32 or bf16 (bf16 candidates re-scored in fp32; auto = bf16 "
          "where the CPU has AVX512-BF16).");

namespace {

absl::StatusOr<std::unique_ptr<shop::recommender::HistoryStore>> MakeStore() {
  const std::string kind = absl::GetFlag(FLAGS_history_store);
  if (kind == "memory") {
    shop::recommender::MemoryHistoryStoreOptions o;
    o.max_events_per_user = absl::GetFlag(FLAGS_history_max_events);
    o.max_users = absl::GetFlag(FLAGS_history_max_users);
    o.max_bytes = absl::GetFlag(FLAGS_history_max_bytes);
    return std::make_unique<shop::recommender::MemoryHistoryStore>(o);
  }
  if (kind == "redis") {
    shop::recommender::RedisHistoryStoreOptions o;
    std::vector<std::string> parts = absl::StrSplit(absl::GetFlag(FLAGS_redis_address), ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &o.port)) {
      return absl::InvalidArgumentError("--redis_address must be host:port");
    }
    o.host = parts[0];
    if (const std::string file = absl::GetFlag(FLAGS_redis_password_file); !file.empty()) {
      absl::StatusOr<std::string> password = shop::ReadRedisPassword(file);
      if (!password.ok()) return password.status();
      o.password = *std::move(password);
    }
    o.key_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
    o.max_events_per_user = absl::GetFlag(FLAGS_history_max_events);
    o.ttl = absl::GetFlag(FLAGS_history_ttl);
    o.timeout = absl::GetFlag(FLAGS_redis_timeout);
    auto store = shop::recommender::RedisHistoryStore::Create(o);
    if (!store.ok()) return store.status();
    return std::unique_ptr<shop::recommender::HistoryStore>(*std::move(store));
  }
  return absl::InvalidArgumentError("--history_store must be memory or redis");
}

}  // namespace

int main(int argc, char** argv) {
  shop::ReexecForBlasKernels(argv);  // first: it may restart the process
  shop::ParseFlagsWithEnvironment(argc, argv);
  const shop::ServerOptions server_options = shop::ServerOptions::FromFlags();
  const shop::InferenceOptions inference = shop::InferenceOptions::FromFlags("recommender");
  for (const absl::Status& s :
       {shop::CheckModelRoot(), shop::CheckDataPath("catalog", absl::GetFlag(FLAGS_catalog))}) {
    if (!s.ok()) return shop::StartupFailed(s);
  }

  auto store = MakeStore();
  if (!store.ok()) return shop::StartupFailed(store.status());
  auto registry = std::make_shared<prometheus::Registry>();
  shop::recommender::RecommenderMetrics metrics(*registry);
  auto trust = shop::GatewayTrust::Parse(server_options.trusted_gateways,
                                         !server_options.tls_client_ca_file.empty());
  if (!trust.ok()) return shop::StartupFailed(trust.status());
  shop::recommender::RecommenderService service(store->get(), &metrics, *std::move(trust));
  auto server = shop::ServingBootstrap::Start(
      server_options, registry,
      {{&service, shop::recommender::v1::Recommender::service_full_name()}});
  if (!server.ok()) return shop::StartupFailed(server.status());

  auto served = shop::ServedModel::Load(inference, *registry);
  if (!served.ok()) return shop::StartupFailed(served.status());
  auto embeddings = (*served)->repository()->Current()->Attribute("item_embeddings");
  if (!embeddings.ok()) return shop::StartupFailed(embeddings.status());
  auto catalog = shop::recommender::Catalog::Load(shop::DataPath(absl::GetFlag(FLAGS_catalog)),
                                                  embeddings->size(0) - 1);
  if (!catalog.ok()) return shop::StartupFailed(catalog.status());
  shop::recommender::EngineOptions engine_options;
  engine_options.index = absl::GetFlag(FLAGS_item_index);
  engine_options.hnsw.ef_search = absl::GetFlag(FLAGS_hnsw_ef_search);
  engine_options.scoring_precision = absl::GetFlag(FLAGS_scoring_precision);
  auto engine = shop::recommender::RecommendationEngine::Create((*served)->model(), catalog->get(),
                                                                engine_options);
  if (!engine.ok()) return shop::StartupFailed(engine.status());
  shop::Log(shop::LogLevel::kInfo, "engine_ready",
            {{"item_index", engine_options.index},
             {"scoring_precision", (*engine)->scoring_precision()}});
  service.SetEngine(engine->get());
  (*server)->SetServing(true);

  // The store size is a gauge; Redis counts cost a round trip, so it is sampled.
  absl::Notification stop;
  std::thread sampler([&] {
    do {
      auto users = (*store)->UserCount();
      if (users.ok()) metrics.SetHistoryUsers(*users);
    } while (!stop.WaitForNotificationWithTimeout(absl::Seconds(10)));
  });
  (*server)->WaitForShutdown();
  stop.Notify();
  sampler.join();
  return 0;
}
