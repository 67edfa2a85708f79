// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The HistoryStore contract, checked on both implementations (TEMPLATE_TEST_CASE over a
// fixture per store), then what is specific to each: the memory store's LRU bounds, and
// the Redis store's sharing, key prefix, TTL and behaviour across a Redis outage. Every
// Redis test runs its own redis-server (tests/common/redis_server.h).
#include "services/recommender/history_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/recommender/memory_history_store.h"
#include "services/recommender/redis_history_store.h"
#include "tests/catch.h"
#include "tests/common/redis_server.h"

namespace shop::recommender {
namespace {

using shop::testing::RedisServer;

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z in Unix ms

HistoryEvent Event(const std::string& item, EventKind kind, int64_t time_ms) {
  return HistoryEvent{item, kind, time_ms, /*event_id=*/""};
}

// The i-th event of a test sequence: kinds cycle view, cart, purchase.
HistoryEvent Nth(int i) {
  return Event(absl::StrCat("item-", i), static_cast<EventKind>(1 + i % 3), kT0 + 1000 * i);
}

std::unique_ptr<RedisServer> StartRedis() {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  if (!server.ok()) FAIL("cannot start redis-server: " << server.status());
  return *std::move(server);
}

RedisHistoryStoreOptions RedisOptions(const RedisServer& server, int max_events_per_user = 200) {
  RedisHistoryStoreOptions options;
  options.port = server.port();
  options.max_events_per_user = max_events_per_user;
  options.timeout = absl::Milliseconds(200);
  return options;
}

std::unique_ptr<RedisHistoryStore> MakeRedisStore(RedisHistoryStoreOptions options) {
  absl::StatusOr<std::unique_ptr<RedisHistoryStore>> store =
      RedisHistoryStore::Create(std::move(options));
  if (!store.ok()) FAIL("RedisHistoryStore::Create: " << store.status());
  return *std::move(store);
}

// Unwraps a StatusOr inside a test, failing the test (with the status) when not OK.
template <typename T>
T Ok(absl::StatusOr<T> value) {
  if (!value.ok()) FAIL("unexpected error: " << value.status());
  return *std::move(value);
}

// A plain hiredis connection, to look at what the store wrote (PTTL, raw entries).
class RawRedis {
 public:
  explicit RawRedis(int port) {
    const timeval tv = {1, 0};
    context_ = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (context_ == nullptr || context_->err) {
      FAIL("raw hiredis connection failed: " << (context_ ? context_->errstr : "out of memory"));
    }
  }
  ~RawRedis() {
    if (context_ != nullptr) redisFree(context_);
  }
  // Runs one command given as separate arguments; returns the integer reply.
  long long Integer(const std::vector<std::string>& args) {
    redisReply* reply = Command(args);
    REQUIRE(reply->type == REDIS_REPLY_INTEGER);
    const long long value = reply->integer;
    freeReplyObject(reply);
    return value;
  }
  // Runs one command; returns the reply's type (the reply itself is dropped).
  int Type(const std::vector<std::string>& args) {
    redisReply* reply = Command(args);
    const int type = reply->type;
    freeReplyObject(reply);
    return type;
  }

 private:
  redisReply* Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (reply == nullptr) FAIL("raw redis command failed: " << context_->errstr);
    return reply;
  }
  redisContext* context_ = nullptr;
};

// ---------------------------------------------------------------------------------------
// Fixtures: one store of each kind with a given per-user bound.

struct InMemory {
  explicit InMemory(int max_events_per_user)
      : memory(MemoryHistoryStoreOptions{max_events_per_user, 1'000'000, 512LL << 20}) {}
  HistoryStore& store() { return memory; }
  MemoryHistoryStore memory;
};

struct InRedis {
  explicit InRedis(int max_events_per_user)
      : server(StartRedis()), redis(MakeRedisStore(RedisOptions(*server, max_events_per_user))) {}
  HistoryStore& store() { return *redis; }
  std::unique_ptr<RedisServer> server;
  std::unique_ptr<RedisHistoryStore> redis;
};

// ---------------------------------------------------------------------------------------
// The shared contract.

TEMPLATE_TEST_CASE("an unknown user has an empty history", "[history]", InMemory, InRedis) {
  TestType fixture(10);
  HistoryStore& store = fixture.store();
  CHECK(Ok(store.Get("nobody")).empty());
  CHECK(Ok(store.UserCount()) == 0);
  // Reading does not create the user.
  CHECK(Ok(store.Get("nobody")).empty());
  CHECK(Ok(store.UserCount()) == 0);
}

TEMPLATE_TEST_CASE(
    "Append returns the growing length and Get returns the events oldest first (equal times in "
    "arrival order) with item, kind and time kept",
    "[history]", InMemory, InRedis) {
  TestType fixture(10);
  HistoryStore& store = fixture.store();
  std::vector<HistoryEvent> appended;
  for (int i = 0; i < 4; ++i) {
    appended.push_back(Nth(i));
    CHECK(Ok(store.Append("alice", appended.back())) == i + 1);
  }
  // Item ids are opaque: separators and non-ASCII survive the round trip.
  appended.push_back(Event("sku|with|bars", EventKind::kPurchase, -5));
  CHECK(Ok(store.Append("alice", appended.back())) == 5);
  appended.push_back(Event("t\xC3\xB6pfe 42", EventKind::kCart, kT0));
  CHECK(Ok(store.Append("alice", appended.back())) == 6);
  // In time order: the event at -5 ms first, the second one at kT0 after the first.
  std::stable_sort(
      appended.begin(), appended.end(),
      [](const HistoryEvent& a, const HistoryEvent& b) { return a.time_ms < b.time_ms; });
  REQUIRE(appended[0].item_id == "sku|with|bars");
  REQUIRE(appended[2].item_id == "t\xC3\xB6pfe 42");

  CHECK(Ok(store.Get("alice")) == appended);
  // Another user's history is separate.
  CHECK(Ok(store.Append("bob", Nth(9))) == 1);
  CHECK(Ok(store.Get("bob")) == std::vector<HistoryEvent>{Nth(9)});
  CHECK(Ok(store.Get("alice")) == appended);
  CHECK(Ok(store.UserCount()) == 2);
}

TEMPLATE_TEST_CASE("the per-user bound keeps only the most recent events", "[history]", InMemory,
                   InRedis) {
  TestType fixture(5);
  HistoryStore& store = fixture.store();
  std::vector<int64_t> lengths;
  for (int i = 0; i < 12; ++i) lengths.push_back(Ok(store.Append("carol", Nth(i))));
  CHECK(lengths == std::vector<int64_t>{1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5});
  CHECK(Ok(store.Get("carol")) ==
        std::vector<HistoryEvent>{Nth(7), Nth(8), Nth(9), Nth(10), Nth(11)});
}

TEMPLATE_TEST_CASE("Delete returns how many events it erased and the next Get is empty",
                   "[history]", InMemory, InRedis) {
  TestType fixture(5);
  HistoryStore& store = fixture.store();
  for (int i = 0; i < 3; ++i) REQUIRE(Ok(store.Append("dave", Nth(i))) == i + 1);
  REQUIRE(Ok(store.Append("erin", Nth(0))) == 1);
  CHECK(Ok(store.Delete("dave")) == 3);
  CHECK(Ok(store.Get("dave")).empty());
  CHECK(Ok(store.UserCount()) == 1);
  CHECK(Ok(store.Get("erin")) == std::vector<HistoryEvent>{Nth(0)});  // others untouched
  // Deleting again erases nothing; a new append starts a fresh history.
  CHECK(Ok(store.Delete("dave")) == 0);
  CHECK(Ok(store.Append("dave", Nth(7))) == 1);
  CHECK(Ok(store.Get("dave")) == std::vector<HistoryEvent>{Nth(7)});
  // A bounded history reports the bounded count.
  for (int i = 0; i < 9; ++i) REQUIRE(Ok(store.Append("frank", Nth(i))) >= 1);
  CHECK(Ok(store.Delete("frank")) == 5);
}

TEMPLATE_TEST_CASE("Delete of an unknown user returns 0", "[history]", InMemory, InRedis) {
  TestType fixture(5);
  CHECK(Ok(fixture.store().Delete("ghost")) == 0);
  CHECK(Ok(fixture.store().UserCount()) == 0);
}

TEMPLATE_TEST_CASE("concurrent appends to one user are all kept", "[history]", InMemory, InRedis) {
  TestType fixture(1000);
  HistoryStore& store = fixture.store();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!store.Append("shared", Nth(t * kPerThread + i)).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(kThreads, 0));
  const std::vector<HistoryEvent> events = Ok(store.Get("shared"));
  CHECK(events.size() == kThreads * kPerThread);
  // Each thread's events stay in its own order.
  for (int t = 0; t < kThreads; ++t) {
    int64_t last = -1;
    for (const HistoryEvent& e : events) {
      const int64_t i = (e.time_ms - kT0) / 1000;
      if (i / kPerThread != t) continue;
      CHECK(i > last);
      last = i;
    }
  }
}

HistoryEvent WithId(HistoryEvent event, std::string id) {
  event.event_id = std::move(id);
  return event;
}

TEMPLATE_TEST_CASE("an event id is stored once; a retry of it is a duplicate and changes nothing",
                   "[history]", InMemory, InRedis) {
  TestType fixture(3);
  HistoryStore& store = fixture.store();
  const HistoryEvent e0 = WithId(Nth(0), "ev-0");
  AppendResult first = Ok(store.Record("alice", e0));
  CHECK(first.length == 1);
  CHECK_FALSE(first.duplicate);
  AppendResult retry = Ok(store.Record("alice", e0));
  CHECK(retry.length == 1);
  CHECK(retry.duplicate);
  // The id names the event: a different body under the same id is still a retry.
  CHECK(Ok(store.Record("alice", WithId(Nth(1), "ev-0"))).duplicate);
  // Ids are per user.
  CHECK_FALSE(Ok(store.Record("bob", e0)).duplicate);
  // Events without an id are never deduplicated.
  CHECK(Ok(store.Append("alice", Nth(2))) == 2);
  CHECK(Ok(store.Append("alice", Nth(2))) == 3);
  CHECK(Ok(store.Get("alice")) == std::vector<HistoryEvent>{e0, Nth(2), Nth(2)});
  // The window is the stored history: once trimmed away, the id is forgotten.
  REQUIRE(Ok(store.Append("alice", Nth(3))) == 3);
  CHECK_FALSE(Ok(store.Record("alice", e0)).duplicate);
  // ...and the late event, older than all three kept, is itself the one trimmed.
  CHECK(Ok(store.Get("alice")) == std::vector<HistoryEvent>{Nth(2), Nth(2), Nth(3)});
}

TEMPLATE_TEST_CASE("a late event is inserted at its place in time order; ties keep arrival order",
                   "[history]", InMemory, InRedis) {
  TestType fixture(4);
  HistoryStore& store = fixture.store();
  REQUIRE(Ok(store.Append("alice", Nth(0))) == 1);
  REQUIRE(Ok(store.Append("alice", Nth(2))) == 2);
  REQUIRE(Ok(store.Append("alice", Nth(3))) == 3);
  CHECK(Ok(store.Append("alice", Nth(1))) == 4);
  CHECK(Ok(store.Get("alice")) == std::vector<HistoryEvent>{Nth(0), Nth(1), Nth(2), Nth(3)});
  // Same time as Nth(2): after it. The history is full, so the oldest goes.
  const HistoryEvent tie = WithId(Event("tie", EventKind::kCart, Nth(2).time_ms), "late-tie");
  CHECK(Ok(store.Record("alice", tie)).length == 4);
  CHECK(Ok(store.Get("alice")) == std::vector<HistoryEvent>{Nth(1), Nth(2), tie, Nth(3)});
  CHECK(Ok(store.Record("alice", tie)).duplicate);
}

TEMPLATE_TEST_CASE("concurrent retries of one event are stored once", "[history]", InMemory,
                   InRedis) {
  TestType fixture(100);
  HistoryStore& store = fixture.store();
  constexpr int kThreads = 4;
  constexpr int kEvents = 25;
  std::vector<std::thread> threads;
  std::vector<int> stored(kThreads, 0);
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread sends every event: as if each were another replica's retry.
      for (int i = 0; i < kEvents; ++i) {
        absl::StatusOr<AppendResult> r =
            store.Record("alice", WithId(Nth(i), absl::StrCat("e", i)));
        if (!r.ok()) ++failures[t];
        if (r.ok() && !r->duplicate) ++stored[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(kThreads, 0));
  CHECK(stored[0] + stored[1] + stored[2] + stored[3] == kEvents);
  CHECK(Ok(store.Get("alice")).size() == kEvents);
}

// ---------------------------------------------------------------------------------------
// Memory store: LRU bounds.

TEST_CASE("memory store: max_users evicts the least recently used user, and Get counts as a use",
          "[history][memory]") {
  MemoryHistoryStore store(MemoryHistoryStoreOptions{10, 3, 512LL << 20});
  REQUIRE(Ok(store.Append("a", Nth(0))) == 1);
  REQUIRE(Ok(store.Append("b", Nth(1))) == 1);
  REQUIRE(Ok(store.Append("c", Nth(2))) == 1);
  CHECK(store.evictions() == 0);
  // "a" is the oldest append, but reading it makes "b" the least recently used.
  REQUIRE(Ok(store.Get("a")).size() == 1);
  REQUIRE(Ok(store.Append("d", Nth(3))) == 1);
  CHECK(store.evictions() == 1);
  CHECK(Ok(store.UserCount()) == 3);
  CHECK(Ok(store.Get("b")).empty());
  CHECK(Ok(store.Get("a")) == std::vector<HistoryEvent>{Nth(0)});
  CHECK(Ok(store.Get("c")) == std::vector<HistoryEvent>{Nth(2)});
  CHECK(Ok(store.Get("d")) == std::vector<HistoryEvent>{Nth(3)});
  // An append refreshes too: order of use is now a, c, d -> append to "a" -> c is next out.
  REQUIRE(Ok(store.Append("a", Nth(4))) == 2);
  REQUIRE(Ok(store.Append("e", Nth(5))) == 1);
  CHECK(store.evictions() == 2);
  CHECK(Ok(store.Get("c")).empty());
  CHECK(Ok(store.Get("a")).size() == 2);
}

TEST_CASE("memory store: max_bytes evicts least recently used users until the total fits",
          "[history][memory]") {
  // Measure what one user with one event costs, rather than hard-coding the estimate.
  int64_t per_user = 0;
  int64_t per_event = 0;
  {
    MemoryHistoryStore probe(MemoryHistoryStoreOptions{10, 1'000'000, 512LL << 20});
    REQUIRE(Ok(probe.Append("user-0", Nth(0))) == 1);
    per_user = probe.bytes();
    REQUIRE(Ok(probe.Append("user-0", Nth(1))) == 2);
    per_event = probe.bytes() - per_user;
    REQUIRE(per_event > 0);
    REQUIRE(per_user > per_event);
  }
  // Room for three one-event users, but not for one more event on top of them.
  const int64_t max_bytes = 3 * per_user + per_event / 2;
  MemoryHistoryStore store(MemoryHistoryStoreOptions{10, 1'000'000, max_bytes});
  for (int u = 0; u < 5; ++u) REQUIRE(Ok(store.Append(absl::StrCat("user-", u), Nth(u))) == 1);
  CHECK(store.evictions() == 2);
  CHECK(Ok(store.UserCount()) == 3);
  CHECK(store.bytes() <= max_bytes);
  CHECK(store.bytes() == 3 * per_user);
  CHECK(Ok(store.Get("user-0")).empty());
  CHECK(Ok(store.Get("user-1")).empty());
  for (int u = 2; u < 5; ++u) CHECK(Ok(store.Get(absl::StrCat("user-", u))).size() == 1);
  // A growing history pushes out the least recently used other user.
  REQUIRE(Ok(store.Append("user-4", Nth(9))) == 2);
  CHECK(store.bytes() <= max_bytes);
  CHECK(Ok(store.Get("user-2")).empty());  // least recently used after the Gets above
  CHECK(Ok(store.Get("user-4")).size() == 2);
  // Deleting everything gives every byte back.
  REQUIRE(Ok(store.Delete("user-3")) >= 0);
  REQUIRE(Ok(store.Delete("user-4")) == 2);
  CHECK(Ok(store.UserCount()) == 0);
  CHECK(store.bytes() == 0);
}

TEST_CASE("memory store: the user just appended to is never evicted, even alone over the bounds",
          "[history][memory]") {
  SECTION("max_bytes smaller than one history") {
    MemoryHistoryStore store(MemoryHistoryStoreOptions{10, 1'000'000, 1});
    for (int i = 0; i < 3; ++i) REQUIRE(Ok(store.Append("big", Nth(i))) == i + 1);
    CHECK(Ok(store.Get("big")).size() == 3);
    CHECK(store.evictions() == 0);
    // The next user's append evicts "big", and is itself kept.
    CHECK(Ok(store.Append("next", Nth(5))) == 1);
    CHECK(Ok(store.Get("next")) == std::vector<HistoryEvent>{Nth(5)});
    CHECK(Ok(store.Get("big")).empty());
    CHECK(store.evictions() == 1);
  }
  SECTION("max_users of 1") {
    MemoryHistoryStore store(MemoryHistoryStoreOptions{10, 1, 512LL << 20});
    for (int u = 0; u < 4; ++u) {
      CHECK(Ok(store.Append(absl::StrCat("u", u), Nth(u))) == 1);
      CHECK(Ok(store.Get(absl::StrCat("u", u))) == std::vector<HistoryEvent>{Nth(u)});
      CHECK(Ok(store.UserCount()) == 1);
    }
    CHECK(store.evictions() == 3);
  }
}

TEST_CASE("memory store: evictions() counts only evicted users, not deletes or trimmed events",
          "[history][memory]") {
  MemoryHistoryStore store(MemoryHistoryStoreOptions{2, 2, 512LL << 20});
  for (int i = 0; i < 5; ++i) REQUIRE(Ok(store.Append("a", Nth(i))) >= 1);  // trims 3 events
  CHECK(store.evictions() == 0);
  REQUIRE(Ok(store.Append("b", Nth(0))) == 1);
  REQUIRE(Ok(store.Delete("b")) == 1);
  CHECK(store.evictions() == 0);
  for (int u = 0; u < 6; ++u) REQUIRE(Ok(store.Append(absl::StrCat("x", u), Nth(u))) == 1);
  CHECK(store.evictions() == 5);  // "a", x0..x3 went; x4 and x5 stay
  CHECK(Ok(store.UserCount()) == 2);
}

// ---------------------------------------------------------------------------------------
// Redis store.

TEST_CASE("redis store: two stores on one server see each other's appends (shared replicas)",
          "[history][redis]") {
  auto server = StartRedis();
  auto replica_a = MakeRedisStore(RedisOptions(*server));
  auto replica_b = MakeRedisStore(RedisOptions(*server));
  CHECK(Ok(replica_a->Append("alice", Nth(0))) == 1);
  CHECK(Ok(replica_b->Get("alice")) == std::vector<HistoryEvent>{Nth(0)});
  CHECK(Ok(replica_b->Append("alice", Nth(1))) == 2);
  CHECK(Ok(replica_a->Get("alice")) == std::vector<HistoryEvent>{Nth(0), Nth(1)});
  CHECK(Ok(replica_a->Delete("alice")) == 2);
  CHECK(Ok(replica_b->Get("alice")).empty());
}

TEST_CASE("redis store: the key prefix isolates stores on one server", "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options_x = RedisOptions(*server);
  options_x.key_prefix = "x:hist:";
  RedisHistoryStoreOptions options_y = RedisOptions(*server);
  options_y.key_prefix = "y:hist:";
  auto x = MakeRedisStore(options_x);
  auto y = MakeRedisStore(options_y);
  REQUIRE(Ok(x->Append("alice", Nth(0))) == 1);
  CHECK(Ok(y->Get("alice")).empty());
  CHECK(Ok(y->Delete("alice")) == 0);
  CHECK(Ok(y->Append("alice", Nth(5))) == 1);
  CHECK(Ok(x->Get("alice")) == std::vector<HistoryEvent>{Nth(0)});
  CHECK(Ok(y->Get("alice")) == std::vector<HistoryEvent>{Nth(5)});
  // The documented layout: one list per user at <prefix><user_id>.
  RawRedis raw(server->port());
  CHECK(raw.Integer({"LLEN", "x:hist:alice"}) == 1);
  CHECK(raw.Integer({"LLEN", "y:hist:alice"}) == 1);
}

TEST_CASE("redis store: every append sets the key's TTL", "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  options.key_prefix = "p:";
  options.ttl = absl::Seconds(60);
  auto store = MakeRedisStore(options);
  RawRedis raw(server->port());
  REQUIRE(Ok(store->Append("alice", Nth(0))) == 1);
  const long long first = raw.Integer({"PTTL", "p:alice"});
  CHECK(first > 55'000);
  CHECK(first <= 60'000);
  // A later append renews the TTL: shorten it by hand, append, and it is back near 60 s.
  REQUIRE(raw.Integer({"PEXPIRE", "p:alice", "5000"}) == 1);
  REQUIRE(Ok(store->Append("alice", Nth(1))) == 2);
  CHECK(raw.Integer({"PTTL", "p:alice"}) > 55'000);
}

TEST_CASE("redis store: a busy server (a long script) is UNAVAILABLE, not INTERNAL",
          "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  options.timeout = absl::Seconds(2);
  auto store = MakeRedisStore(options);
  RawRedis raw(server->port());
  // Redis answers BUSY to everyone once a script has run longer than this.
  REQUIRE(raw.Type({"CONFIG", "SET", "lua-time-limit", "50"}) == REDIS_REPLY_STATUS);
  // A script that never ends, on its own connection (its reply never comes; the connection
  // times out on our side while the script keeps the server busy). No Catch2 macros here.
  std::thread script([port = server->port()] {
    const timeval tv = {1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (c == nullptr) return;
    redisSetTimeout(c, tv);
    if (void* reply = redisCommand(c, "EVAL %s 0", "while true do end")) freeReplyObject(reply);
    redisFree(c);
  });
  absl::SleepFor(absl::Milliseconds(400));
  absl::StatusOr<std::vector<HistoryEvent>> got = store->Get("alice");
  INFO(got.status());
  CHECK(absl::IsUnavailable(got.status()));
  CHECK(got.status().message().find("BUSY") != std::string::npos);
  // Once the script is killed the same store works again.
  RawRedis killer(server->port());
  CHECK(killer.Type({"SCRIPT", "KILL"}) == REDIS_REPLY_STATUS);
  script.join();
  CHECK(store->Get("alice").ok());
}

TEST_CASE("redis store: a history idle for longer than the TTL expires", "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  options.ttl = absl::Milliseconds(1500);  // long enough for the first Get on a busy machine
  auto store = MakeRedisStore(options);
  REQUIRE(Ok(store->Append("alice", Nth(0))) == 1);
  CHECK(Ok(store->Get("alice")).size() == 1);
  absl::SleepFor(absl::Milliseconds(2000));
  CHECK(Ok(store->Get("alice")).empty());
  CHECK(Ok(store->Delete("alice")) == 0);
}

TEST_CASE(
    "redis store: while Redis is down calls fail fast with UNAVAILABLE, and the same store "
    "works again after a restart",
    "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);  // 200 ms timeout
  auto store = MakeRedisStore(options);
  REQUIRE(Ok(store->Append("alice", Nth(0))) == 1);

  server->Stop();
  auto within_a_second = [](auto call) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = call();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    INFO("status: " << status);
    CHECK(absl::IsUnavailable(status));
    CHECK(elapsed < std::chrono::seconds(1));
  };
  // The first call finds the pooled connection dead, the others cannot connect.
  within_a_second([&] { return store->Get("alice").status(); });
  within_a_second([&] { return store->Append("alice", Nth(1)).status(); });
  within_a_second([&] { return store->Delete("alice").status(); });
  within_a_second([&] { return store->UserCount().status(); });
  within_a_second([&] { return store->Get("alice").status(); });

  const absl::Status restarted = server->Restart();
  INFO("restart: " << restarted);
  REQUIRE(restarted.ok());
  // No persistence: the restarted server is empty, and the store dials it again.
  CHECK(Ok(store->Get("alice")).empty());
  CHECK(Ok(store->Append("alice", Nth(2))) == 1);
  CHECK(Ok(store->Get("alice")) == std::vector<HistoryEvent>{Nth(2)});
  CHECK(Ok(store->Delete("alice")) == 1);
}

TEST_CASE(
    "redis store: after a restart that no call saw, no call fails on a stale pooled "
    "connection, and a write without an event id is not stored twice",
    "[history][redis]") {
  // A connection the server closed while it was idle in the pool is found before anything
  // is sent on it, so even a write that must not be re-sent goes out on a fresh one.
  auto server = StartRedis();
  auto store = MakeRedisStore(RedisOptions(*server));
  REQUIRE(Ok(store->Append("alice", Nth(0))) == 1);  // one pooled connection now
  REQUIRE(server->Restart().ok());
  CHECK(Ok(store->Append("alice", Nth(1))) == 1);  // no persistence: a new history
  REQUIRE(server->Restart().ok());
  CHECK(Ok(store->Get("alice")).empty());
}

// Records `per_user` events with ids for each of `users` users from one thread per user,
// each retried until stored (as a client that resends after any error does), while
// `outage` runs; then checks that every event is stored exactly once.
void RecordThroughOutage(RedisServer& server, int users, int per_user,
                         const std::function<void()>& outage) {
  RedisHistoryStoreOptions options = RedisOptions(server, 1000);
  options.timeout = absl::Milliseconds(100);
  auto store = MakeRedisStore(options);
  std::vector<int> failures(users, 0);
  std::vector<int> other_codes(users, 0);
  std::vector<int> gave_up(users, 0);
  std::vector<int> duplicates(users, 0);
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      for (int i = 0; i < per_user; ++i) {
        const HistoryEvent e = WithId(Nth(i), absl::StrCat("u", u, "-e", i));
        const absl::Time until = absl::Now() + absl::Seconds(30);
        while (true) {
          absl::StatusOr<AppendResult> r = store->Record(absl::StrCat("user-", u), e);
          if (r.ok()) {
            duplicates[u] += r->duplicate;
            break;
          }
          ++failures[u];
          if (!absl::IsUnavailable(r.status())) ++other_codes[u];
          if (absl::Now() > until) {
            ++gave_up[u];
            break;
          }
          absl::SleepFor(absl::Milliseconds(10));
        }
        absl::SleepFor(absl::Milliseconds(2));
      }
    });
  }
  outage();
  for (std::thread& t : threads) t.join();
  int all_failures = 0;
  for (int u = 0; u < users; ++u) {
    all_failures += failures[u];
    CHECK(other_codes[u] == 0);  // an outage is UNAVAILABLE, never INTERNAL
    CHECK(gave_up[u] == 0);
    const std::vector<HistoryEvent> events = Ok(store->Get(absl::StrCat("user-", u)));
    std::set<std::string> ids;
    for (const HistoryEvent& e : events) ids.insert(e.event_id);
    INFO("user-" << u << ": " << events.size() << " stored, " << ids.size() << " distinct, "
                 << failures[u] << " failed calls, " << duplicates[u] << " duplicates");
    CHECK(events.size() == static_cast<size_t>(per_user));
    CHECK(ids.size() == static_cast<size_t>(per_user));
  }
  // The outage must have hit some calls, or this checked nothing.
  CHECK(all_failures > 0);
}

TEST_CASE("redis store: events retried through Redis pauses are stored exactly once",
          "[history][redis][faults]") {
  auto server = StartRedis();
  RecordThroughOutage(*server, 4, 120, [&] {
    for (int pause = 0; pause < 3; ++pause) {
      absl::SleepFor(absl::Milliseconds(100));
      server->Pause();
      absl::SleepFor(absl::Milliseconds(500));  // 5 timeouts long
      server->Resume();
    }
  });
}

TEST_CASE("redis store: events retried through a Redis crash and restart are stored exactly once",
          "[history][redis][faults]") {
  // appendfsync always: what Redis acknowledged survives the SIGKILL.
  absl::StatusOr<std::unique_ptr<RedisServer>> server =
      RedisServer::Start(absl::Seconds(10), "", /*durable=*/true);
  REQUIRE(server.ok());
  RecordThroughOutage(**server, 4, 300, [&] {
    absl::SleepFor(absl::Milliseconds(100));
    (*server)->Kill();
    absl::SleepFor(absl::Milliseconds(300));
    const absl::Status restarted = (*server)->Restart();
    if (!restarted.ok()) FAIL("restart: " << restarted);
  });
}

TEST_CASE("redis store: a write without an event id whose reply was lost is not re-sent",
          "[history][redis][faults]") {
  // No retries by the caller either: every acknowledged event must be stored once, and no
  // event more than once (before, the client re-sent a timed-out write on a new connection,
  // and Redis ran both once it woke up).
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server, 1000);
  options.timeout = absl::Milliseconds(100);
  auto store = MakeRedisStore(options);
  constexpr int kUsers = 4;
  constexpr int kEvents = 80;
  std::vector<std::vector<int>> acknowledged(kUsers);
  std::vector<int> unavailable(kUsers, 0);
  std::vector<std::thread> threads;
  for (int u = 0; u < kUsers; ++u) {
    threads.emplace_back([&, u] {
      for (int i = 0; i < kEvents; ++i) {
        absl::StatusOr<int64_t> r = store->Append(absl::StrCat("user-", u), Nth(i));
        if (r.ok()) acknowledged[u].push_back(i);
        if (!r.ok() && absl::IsUnavailable(r.status())) ++unavailable[u];
        absl::SleepFor(absl::Milliseconds(3));
      }
    });
  }
  for (int pause = 0; pause < 3; ++pause) {
    absl::SleepFor(absl::Milliseconds(60));
    server->Pause();
    absl::SleepFor(absl::Milliseconds(350));
    server->Resume();
  }
  for (std::thread& t : threads) t.join();
  int all_unavailable = 0;
  for (int u = 0; u < kUsers; ++u) {
    all_unavailable += unavailable[u];
    const std::vector<HistoryEvent> events = Ok(store->Get(absl::StrCat("user-", u)));
    std::map<std::string, int> copies;
    for (const HistoryEvent& e : events) ++copies[e.item_id];
    for (const auto& [item, n] : copies) {
      INFO("user-" << u << " " << item);
      CHECK(n == 1);
    }
    for (int i : acknowledged[u]) CHECK(copies.count(Nth(i).item_id) == 1);
    CHECK(acknowledged[u].size() + unavailable[u] == static_cast<size_t>(kEvents));
  }
  CHECK(all_unavailable > 0);
}

TEST_CASE("redis store: Create fails with UNAVAILABLE when nothing listens", "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  server->Stop();
  const auto start = std::chrono::steady_clock::now();
  auto store = RedisHistoryStore::Create(options);
  CHECK(absl::IsUnavailable(store.status()));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  options.pool_size = 0;
  CHECK(absl::IsInvalidArgument(RedisHistoryStore::Create(options).status()));
}

TEST_CASE("redis store: a corrupt stored entry is skipped and the others are returned",
          "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  options.key_prefix = "h:";
  auto store = MakeRedisStore(options);
  REQUIRE(Ok(store->Append("alice", Nth(0))) == 1);
  RawRedis raw(server->port());
  REQUIRE(raw.Integer({"RPUSH", "h:alice", "garbage"}) == 2);
  REQUIRE(Ok(store->Append("alice", Nth(1))) == 3);
  CHECK(Ok(store->Get("alice")) == std::vector<HistoryEvent>{Nth(0), Nth(1)});
}

TEST_CASE("redis store: a key of the wrong type is an error, not a crash", "[history][redis]") {
  auto server = StartRedis();
  RedisHistoryStoreOptions options = RedisOptions(*server);
  options.key_prefix = "h:";
  auto store = MakeRedisStore(options);
  RawRedis raw(server->port());
  REQUIRE(raw.Type({"SET", "h:mallory", "not a list"}) == REDIS_REPLY_STATUS);
  CHECK(absl::IsInternal(store->Get("mallory").status()));
  CHECK_FALSE(store->Append("mallory", Nth(0)).ok());
  // Delete clears the bad key (its count is meaningless then), and the user works again.
  CHECK(store->Delete("mallory").ok());
  CHECK(Ok(store->Get("mallory")).empty());
  CHECK(Ok(store->Append("mallory", Nth(1))) == 1);
  // The store keeps working for everyone else.
  CHECK(Ok(store->Append("alice", Nth(0))) == 1);
}

// ---------------------------------------------------------------------------------------
// HistoryEvent's stored form.

TEST_CASE("HistoryEvent Encode and Decode round trip, also for item ids containing the separator",
          "[history]") {
  const std::vector<HistoryEvent> events = {
      Event("sku-1", EventKind::kView, kT0),
      Event("a|b|c", EventKind::kCart, 0),
      Event("|", EventKind::kPurchase, -1),
      Event("", EventKind::kView, 42),
      Event("trailing|", EventKind::kPurchase, std::numeric_limits<int64_t>::max()),
      Event("\xE2\x82\xAC 9", EventKind::kCart, std::numeric_limits<int64_t>::min()),
  };
  for (const HistoryEvent& e : events) {
    const std::string text = e.Encode();
    INFO("encoded: " << text);
    absl::StatusOr<HistoryEvent> back = HistoryEvent::Decode(text);
    REQUIRE(back.ok());
    CHECK(*back == e);
  }
  CHECK(Event("x|y", EventKind::kCart, 7).Encode() == "2|7|x|y");
  // With an event id (which has no '|'), the item id may still hold one.
  for (const HistoryEvent& e : {WithId(Event("sku-1", EventKind::kView, kT0), "ev-1"),
                                WithId(Event("a|b", EventKind::kPurchase, -5), "x"),
                                WithId(Event("", EventKind::kCart, 0), "only-id")}) {
    absl::StatusOr<HistoryEvent> back = HistoryEvent::Decode(e.Encode());
    REQUIRE(back.ok());
    CHECK(*back == e);
  }
  CHECK(WithId(Event("a|b", EventKind::kCart, 7), "id-9").Encode() == "2e|7|id-9|a|b");
}

TEST_CASE("HistoryEvent::Decode rejects malformed text with DATA_LOSS", "[history]") {
  for (const char* text :
       {"", "garbage", "1", "1|", "1|2", "|1|x", "1||x", "0|5|x", "4|5|x", "-1|5|x", "x|5|item",
        "1|five|item", "1|5.5|item", "1|99999999999999999999|item", "1e|5|item", "1e|5||item",
        "1ee|5|id|item", "e|5|id|item"}) {
    INFO("text: \"" << text << "\"");
    absl::StatusOr<HistoryEvent> event = HistoryEvent::Decode(text);
    CHECK(absl::IsDataLoss(event.status()));
  }
}

}  // namespace
}  // namespace shop::recommender
