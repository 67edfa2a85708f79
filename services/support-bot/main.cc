// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// support-bot: shop.supportbot.v1.SupportBot over the common serving bootstrap.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/inference/blas_kernels.h"
#include "common/inference/inference_options.h"
#include "common/inference/model_repository.h"
#include "common/logging.h"
#include "common/server/caller_identity.h"
#include "common/server/data_paths.h"
#include "common/server/env_flags.h"
#include "common/server/serving_bootstrap.h"
#include "common/server/tls.h"
#include "services/support-bot/demo_orders.h"
#include "services/support-bot/knowledge_base.h"
#include "services/support-bot/memory_session_store.h"
#include "services/support-bot/postgres_order_store.h"
#include "services/support-bot/redis_session_store.h"
#include "services/support-bot/sqlite_order_store.h"
#include "services/support-bot/support_bot_service.h"

ABSL_FLAG(std::string, orders_db, "build/support-bot/orders.db",
          "The order store: a SQLite file (created with its schema when missing; one "
          "replica), or postgresql://user@host:port/database for a PostgreSQL server shared "
          "by several replicas (schema migrated at start). Never with a password: see "
          "--orders_db_password_file.");
ABSL_FLAG(std::string, orders_db_password_file, "",
          "File holding the PostgreSQL password (a mounted Secret).");
ABSL_FLAG(int, orders_db_pool_size, 8, "PostgreSQL connections per replica (at most).");
ABSL_FLAG(bool, seed_demo_orders, true,
          "Insert the demo orders (idempotent) at start; they need the default order id format.");
ABSL_FLAG(std::string, demo_orders, "",
          "The demo orders file (JSON lines) --seed_demo_orders inserts. Default: "
          "demo/orders.jsonl beside the knowledge base's folder (kb/../demo/orders.jsonl), "
          "where the repository and the image keep it.");
ABSL_FLAG(std::string, order_id_prefix, "ORD-",
          "Order ids are this prefix (1-8 letters, optionally one of - _ / #) and "
          "--order_id_digits digits; customers may write the letters in any case, without the "
          "punctuation, or leave them out.");
ABSL_FLAG(int, order_id_digits, 8, "Digits of an order id after the prefix (4..16).");
ABSL_FLAG(double, min_translation_confidence, 0.5,
          "A message whose translation into English has a lower confidence (translator's "
          "calibrated score) is not acted on: the bot says it did not understand.");
ABSL_FLAG(std::string, kb, "services/support-bot/kb/articles.jsonl", "Knowledge-base articles.");
ABSL_FLAG(std::string, kb_analyzer_dir, "",
          "Folder of the knowledge base's text analysis tables (stop words, synonyms, base "
          "forms, protected stems; checked at start). Default: `analyzer` in the knowledge "
          "base's folder (kb/analyzer), where the repository and the image keep it.");
ABSL_FLAG(std::string, translator_address, "",
          "host:port of the translator; empty = English only (other languages degrade).");
ABSL_FLAG(std::string, translator_tls_ca_file, "",
          "CA bundle (PEM) that the translator's certificate must chain to: set = TLS to the "
          "translator.");
ABSL_FLAG(std::string, translator_tls_cert_file, "",
          "The bot's client certificate (PEM) for a translator that requires mutual TLS.");
ABSL_FLAG(std::string, translator_tls_key_file, "", "The key of --translator_tls_cert_file.");
ABSL_FLAG(absl::Duration, translator_timeout, absl::Seconds(30),
          "Upper bound of one translation; a call also ends at the deadline of the RPC it "
          "serves, and when that RPC is cancelled.");
ABSL_FLAG(std::string, messages, "",
          "Folder of the reply catalogs, <lang>.json for English and each of --languages. "
          "Default: `messages` beside the knowledge base's folder (kb/../messages), where the "
          "repository and the image keep them.");
ABSL_FLAG(std::vector<std::string>, languages, std::vector<std::string>({"en", "de", "fr", "es"}),
          "Languages the bot replies in, from its message catalogs and knowledge-base "
          "articles. A customer locale in any other language gets English replies, without "
          "translation_degraded.");
ABSL_FLAG(std::string, session_store, "memory", "Where sessions live: memory or redis.");
ABSL_FLAG(absl::Duration, session_idle_ttl, absl::Minutes(30),
          "Sessions expire after this idle time.");
ABSL_FLAG(int64_t, max_sessions, 100000, "Memory store: sessions kept (least recent dropped).");
ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (--session_store=redis).");
ABSL_FLAG(std::string, redis_key_prefix, "shop:bot:session:", "Prefix of the Redis session keys.");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the Redis password (AUTH; a mounted Secret); empty = no AUTH.");
ABSL_FLAG(int, max_customer_messages, 100, "Customer messages per session.");

namespace {

shop::supportbot::OrderIdFormat OrderIdsFromFlags() {
  return {absl::GetFlag(FLAGS_order_id_prefix), absl::GetFlag(FLAGS_order_id_digits)};
}

// A data path whose flag may be left empty: `flag` if set, else `beside_kb` next to the
// knowledge base's folder (kb/../<beside_kb>), where the repository and the image keep the
// reply catalogs (--messages) and the demo orders (--demo_orders).
std::string DataPathOrBesideKb(const std::string& flag, const std::string& beside_kb) {
  if (!flag.empty()) return shop::DataPath(flag);
  const std::filesystem::path kb(shop::DataPath(absl::GetFlag(FLAGS_kb)));
  return (kb.parent_path().parent_path() / beside_kb).string();
}

// SQLite for a file path, PostgreSQL for a postgresql:// URL; seeded with the demo orders
// when --seed_demo_orders says so.
absl::StatusOr<std::unique_ptr<shop::supportbot::OrderStore>> MakeOrderStore() {
  using shop::supportbot::PostgresOrderStore;
  using shop::supportbot::SqliteOrderStore;
  const std::string db = shop::DataPath(absl::GetFlag(FLAGS_orders_db));
  const shop::supportbot::OrderIdFormat ids = OrderIdsFromFlags();
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const bool seed = absl::GetFlag(FLAGS_seed_demo_orders);
  const std::string demo_orders =
      DataPathOrBesideKb(absl::GetFlag(FLAGS_demo_orders), "demo/orders.jsonl");
  if (PostgresOrderStore::IsPostgresUrl(db)) {
    shop::supportbot::PostgresOrderStoreOptions o;
    o.url = db;
    o.password_file = absl::GetFlag(FLAGS_orders_db_password_file);
    o.pool_size = absl::GetFlag(FLAGS_orders_db_pool_size);
    o.order_ids = ids;
    auto store = PostgresOrderStore::Open(o);
    if (!store.ok()) return store.status();
    if (seed) {
      if (absl::Status s = (*store)->SeedDemoData(demo_orders, today); !s.ok()) return s;
    }
    return std::unique_ptr<shop::supportbot::OrderStore>(*std::move(store));
  }
  if (!absl::GetFlag(FLAGS_orders_db_password_file).empty()) {
    return absl::InvalidArgumentError(
        "--orders_db_password_file applies to a postgresql:// --orders_db only");
  }
  const std::filesystem::path path = db;
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  shop::supportbot::SqliteOrderStoreOptions o;
  o.order_ids = ids;
  auto store = SqliteOrderStore::Open(path.string(), o);
  if (!store.ok()) return store.status();
  if (seed) {
    if (absl::Status s = (*store)->SeedDemoData(demo_orders, today); !s.ok()) return s;
  }
  return std::unique_ptr<shop::supportbot::OrderStore>(*std::move(store));
}

absl::StatusOr<std::unique_ptr<shop::supportbot::SessionStore>> MakeSessionStore() {
  const std::string kind = absl::GetFlag(FLAGS_session_store);
  if (kind == "memory") {
    shop::supportbot::MemorySessionStoreOptions o;
    o.idle_ttl = absl::GetFlag(FLAGS_session_idle_ttl);
    o.max_sessions = absl::GetFlag(FLAGS_max_sessions);
    return std::unique_ptr<shop::supportbot::SessionStore>(
        std::make_unique<shop::supportbot::MemorySessionStore>(o));
  }
  if (kind == "redis") {
    shop::supportbot::RedisSessionStoreOptions o;
    std::vector<std::string> parts = absl::StrSplit(absl::GetFlag(FLAGS_redis_address), ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &o.redis.port)) {
      return absl::InvalidArgumentError("--redis_address must be host:port");
    }
    o.redis.host = parts[0];
    if (const std::string file = absl::GetFlag(FLAGS_redis_password_file); !file.empty()) {
      absl::StatusOr<std::string> password = shop::ReadRedisPassword(file);
      if (!password.ok()) return password.status();
      o.redis.password = *std::move(password);
    }
    o.key_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
    o.idle_ttl = absl::GetFlag(FLAGS_session_idle_ttl);
    auto store = shop::supportbot::RedisSessionStore::Create(o);
    if (!store.ok()) return store.status();
    return std::unique_ptr<shop::supportbot::SessionStore>(*std::move(store));
  }
  return absl::InvalidArgumentError("--session_store must be memory or redis");
}

}  // namespace

int main(int argc, char** argv) {
  shop::ReexecForBlasKernels(argv);  // first: it may restart the process
  shop::ParseFlagsWithEnvironment(argc, argv);
  const shop::ServerOptions server_options = shop::ServerOptions::FromFlags();
  const shop::InferenceOptions inference = shop::InferenceOptions::FromFlags("support-bot");
  const std::string kb_path = shop::DataPath(absl::GetFlag(FLAGS_kb));
  const std::string messages_dir = DataPathOrBesideKb(absl::GetFlag(FLAGS_messages), "messages");
  // Empty: KnowledgeBase::Load takes the tables beside the articles (KbAnalyzerDirBeside).
  const std::string kb_analyzer_dir = absl::GetFlag(FLAGS_kb_analyzer_dir).empty()
                                          ? std::string()
                                          : shop::DataPath(absl::GetFlag(FLAGS_kb_analyzer_dir));
  for (const absl::Status& s :
       {shop::CheckModelRoot(), shop::CheckDataPath("kb", absl::GetFlag(FLAGS_kb)),
        absl::GetFlag(FLAGS_kb_analyzer_dir).empty()
            ? absl::OkStatus()
            : shop::CheckDataPath("kb_analyzer_dir", absl::GetFlag(FLAGS_kb_analyzer_dir)),
        absl::GetFlag(FLAGS_seed_demo_orders) && !absl::GetFlag(FLAGS_demo_orders).empty()
            ? shop::CheckDataPath("demo_orders", absl::GetFlag(FLAGS_demo_orders))
            : absl::OkStatus(),
        absl::GetFlag(FLAGS_messages).empty()
            ? absl::OkStatus()
            : shop::CheckDataPath("messages", absl::GetFlag(FLAGS_messages))}) {
    if (!s.ok()) return shop::StartupFailed(s);
  }

  auto sessions = MakeSessionStore();
  if (!sessions.ok()) return shop::StartupFailed(sessions.status());
  auto orders = MakeOrderStore();
  if (!orders.ok()) return shop::StartupFailed(orders.status());
  shop::supportbot::KnowledgeBaseOptions kb_options;
  kb_options.analyzer_dir = kb_analyzer_dir;
  auto kb = shop::supportbot::KnowledgeBase::Load(kb_path, kb_options);
  if (!kb.ok()) return shop::StartupFailed(kb.status());
  const std::vector<std::string> languages = absl::GetFlag(FLAGS_languages);
  auto messages = shop::supportbot::MessageCatalog::Load(messages_dir, languages);
  if (!messages.ok()) return shop::StartupFailed(messages.status());
  auto articles = shop::supportbot::ArticleTranslations::Load(kb_path, **kb, languages);
  if (!articles.ok()) return shop::StartupFailed(articles.status());
  const std::vector<std::string> translated = (*articles)->languages();
  for (const std::string& language : languages) {
    if (language != "en" &&
        std::find(translated.begin(), translated.end(), language) == translated.end()) {
      shop::Log(shop::LogLevel::kWarning, "kb_language_missing",
                {{"language", language}, {"effect", "articles shown in English"}});
    }
  }
  shop::supportbot::DialogueOptions dialogue_options;
  dialogue_options.order_id_example = OrderIdsFromFlags().Example();
  shop::supportbot::DialogueManager dialogue(orders->get(), kb->get(), messages->get(),
                                             articles->get(), dialogue_options);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> translator_credentials =
      shop::MakeChannelCredentials({absl::GetFlag(FLAGS_translator_tls_ca_file),
                                    absl::GetFlag(FLAGS_translator_tls_cert_file),
                                    absl::GetFlag(FLAGS_translator_tls_key_file),
                                    shop::ServerOptions::FromFlags().tls_refresh_interval});
  if (!translator_credentials.ok()) return shop::StartupFailed(translator_credentials.status());
  shop::supportbot::TranslatorClient translator({absl::GetFlag(FLAGS_translator_address),
                                                 absl::GetFlag(FLAGS_translator_timeout),
                                                 *translator_credentials});

  auto registry = std::make_shared<prometheus::Registry>();
  shop::supportbot::SupportBotMetrics metrics(*registry);
  shop::supportbot::SupportBotOptions options;
  options.max_customer_messages = absl::GetFlag(FLAGS_max_customer_messages);
  options.order_ids = OrderIdsFromFlags();
  options.min_translation_confidence =
      static_cast<float>(absl::GetFlag(FLAGS_min_translation_confidence));
  options.languages = std::set<std::string>(languages.begin(), languages.end());
  auto trust = shop::GatewayTrust::Parse(server_options.trusted_gateways,
                                         !server_options.tls_client_ca_file.empty());
  if (!trust.ok()) return shop::StartupFailed(trust.status());
  options.trust = *std::move(trust);
  shop::supportbot::SupportBotService service(sessions->get(), &dialogue, &translator, &metrics,
                                              options);
  auto server = shop::ServingBootstrap::Start(
      server_options, registry,
      {{&service, shop::supportbot::v1::SupportBot::service_full_name()}});
  if (!server.ok()) return shop::StartupFailed(server.status());

  // Through the common serving path: repository (checksums, hot reload, fallback to the
  // serving version when a new one is bad), dynamic batcher and per-model metrics.
  auto intent_model = shop::supportbot::IntentModel::Load(inference, *registry);
  if (!intent_model.ok()) return shop::StartupFailed(intent_model.status());
  service.SetIntentModel(intent_model->get());
  (*server)->SetServing(true);
  (*server)->WaitForShutdown();
  return 0;
}
