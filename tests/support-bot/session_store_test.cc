// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Both session stores through one interface: create, update, get, delete, expiry, and
// messages of one session handled one at a time (no lost update) -- for Redis also across
// two store instances, as two replicas would be.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "common/redis/redis_client.h"
#include "services/support-bot/memory_session_store.h"
#include "services/support-bot/redis_session_store.h"
#include "tests/catch.h"
#include "tests/common/redis_server.h"

namespace shop::supportbot {
namespace {

// Appends a customer turn with `text`.
SessionStore::Mutator AddTurn(const std::string& text, bool* created_out = nullptr) {
  return [text, created_out](SessionRecord& s, bool created) {
    if (created_out) *created_out = created;
    auto* t = s.add_turns();
    t->set_turn_id(s.turns_size());
    t->set_text(text);
    return absl::OkStatus();
  };
}

void CheckBasics(SessionStore& store) {
  bool created = false;
  REQUIRE(store.Update("s1", AddTurn("hello", &created)).ok());
  CHECK(created);
  REQUIRE(store.Update("s1", AddTurn("again", &created)).ok());
  CHECK(!created);
  auto got = store.Get("s1");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->session_id() == "s1");
  REQUIRE((*got)->turns_size() == 2);
  CHECK((*got)->turns(1).text() == "again");
  CHECK(store.Get("unknown")->has_value() == false);

  // A failing turn changes nothing.
  absl::Status failed = store.Update("s1", [](SessionRecord& s, bool) {
    s.add_turns()->set_text("half-written");
    return absl::UnavailableError("database down");
  });
  CHECK(failed.code() == absl::StatusCode::kUnavailable);
  CHECK((*store.Get("s1"))->turns_size() == 2);

  CHECK(*store.Size() == 1);
  CHECK(*store.Delete("s1") == true);
  CHECK(*store.Delete("s1") == false);
  CHECK(store.Get("s1")->has_value() == false);
  REQUIRE(store.Update("s1", AddTurn("new start", &created)).ok());
  CHECK(created);
}

void CheckNoLostUpdates(SessionStore& a, SessionStore& b) {
  constexpr int kThreads = 8;
  constexpr int kTurns = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SessionStore& store = t % 2 ? a : b;
      for (int i = 0; i < kTurns; ++i) {
        REQUIRE(store.Update("busy", AddTurn(std::to_string(t))).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto got = a.Get("busy");
  REQUIRE(got->has_value());
  CHECK((*got)->turns_size() == kThreads * kTurns);
  for (int i = 0; i < (*got)->turns_size(); ++i) CHECK((*got)->turns(i).turn_id() == i + 1);
}

TEST_CASE("Memory store: create, update, get, delete") {
  MemorySessionStore store;
  CheckBasics(store);
}

TEST_CASE("Memory store: concurrent messages of one session are serialised") {
  MemorySessionStore store;
  CheckNoLostUpdates(store, store);
}

TEST_CASE("Memory store: messages of one session run in arrival order") {
  MemorySessionStore store;
  // The first turn holds the session while three more arrive one after another.
  std::atomic<bool> inside{false};
  std::thread first([&] {
    REQUIRE(store
                .Update("ordered",
                        [&](SessionRecord& s, bool) {
                          inside = true;
                          std::this_thread::sleep_for(std::chrono::milliseconds(200));
                          s.add_turns()->set_text("0");
                          return absl::OkStatus();
                        })
                .ok());
  });
  while (!inside) std::this_thread::yield();
  std::vector<std::thread> later;
  for (int i = 1; i <= 3; ++i) {
    later.emplace_back(
        [&store, i] { REQUIRE(store.Update("ordered", AddTurn(std::to_string(i))).ok()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // arrive in order 1, 2, 3
  }
  first.join();
  for (auto& t : later) t.join();
  auto got = store.Get("ordered");
  REQUIRE((*got)->turns_size() == 4);
  for (int i = 0; i < 4; ++i) CHECK((*got)->turns(i).text() == std::to_string(i));
}

TEST_CASE("Memory store: idle sessions expire and the cap drops the least recent") {
  absl::Time now = absl::FromUnixSeconds(1000);
  MemorySessionStoreOptions o;
  o.idle_ttl = absl::Minutes(30);
  o.max_sessions = 2;
  o.now = [&now] { return now; };
  MemorySessionStore store(o);
  REQUIRE(store.Update("a", AddTurn("x")).ok());
  now += absl::Minutes(10);
  REQUIRE(store.Update("b", AddTurn("x")).ok());
  now += absl::Minutes(25);  // a idle 35 min, b 25 min
  CHECK(!store.Get("a")->has_value());
  CHECK(store.Get("b")->has_value());
  bool created = false;
  REQUIRE(store.Update("a", AddTurn("back", &created)).ok());
  CHECK(created);
  REQUIRE(store.Update("c", AddTurn("x")).ok());  // third session: b is least recent
  CHECK(!store.Get("b")->has_value());
  CHECK(*store.Size() == 2);
}

std::unique_ptr<RedisSessionStore> RedisStore(int port, absl::Duration ttl = absl::Minutes(30)) {
  RedisSessionStoreOptions o;
  o.redis.port = port;
  o.idle_ttl = ttl;
  auto store = RedisSessionStore::Create(o);
  REQUIRE(store.ok());
  return *std::move(store);
}

TEST_CASE("Redis store: create, update, get, delete") {
  auto redis = testing::RedisServer::Start();
  REQUIRE(redis.ok());
  auto store = RedisStore((*redis)->port());
  CheckBasics(*store);
}

TEST_CASE(
    "Redis store: AUTH with the password from a file; a wrong or missing one fails start-up") {
  const std::string password = "s3cret-for-this-test";
  auto redis = testing::RedisServer::Start(absl::Seconds(10), password);
  REQUIRE(redis.ok());
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("shop_redis_auth_" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/password") << password << "\n";  // as a Secret file may end
  absl::StatusOr<std::string> read = ReadRedisPassword(dir + "/password");
  REQUIRE(read.ok());
  CHECK(*read == password);
  RedisSessionStoreOptions o;
  o.redis.port = (*redis)->port();
  o.redis.password = *read;
  auto store = RedisSessionStore::Create(o);
  REQUIRE(store.ok());
  CheckBasics(**store);
  o.redis.password = "wrong";
  auto wrong = RedisSessionStore::Create(o);
  REQUIRE(!wrong.ok());
  CHECK(wrong.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(wrong.status().message(), "AUTH"));
  CHECK(!absl::StrContains(wrong.status().message(), "wrong"));  // the password is never shown
  o.redis.password = "";
  auto store_without = RedisSessionStore::Create(o);  // connects; every call is refused
  if (store_without.ok()) CHECK(!(*store_without)->Get("x").ok());
  std::ofstream(dir + "/empty");
  CHECK(ReadRedisPassword(dir + "/empty").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadRedisPassword(dir + "/missing").status().code() == absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Redis store: two replicas share a session without losing updates") {
  auto redis = testing::RedisServer::Start();
  REQUIRE(redis.ok());
  auto a = RedisStore((*redis)->port());
  auto b = RedisStore((*redis)->port());
  REQUIRE(a->Update("shared", AddTurn("from a")).ok());
  auto seen = b->Get("shared");
  REQUIRE(seen->has_value());
  CHECK((*seen)->turns(0).text() == "from a");
  REQUIRE(b->Delete("shared").ok());
  CheckNoLostUpdates(*a, *b);
}

TEST_CASE("Redis store: sessions expire after the idle time") {
  auto redis = testing::RedisServer::Start();
  REQUIRE(redis.ok());
  auto store = RedisStore((*redis)->port(), absl::Milliseconds(200));
  REQUIRE(store->Update("short", AddTurn("x")).ok());
  CHECK(store->Get("short")->has_value());
  absl::SleepFor(absl::Milliseconds(400));
  CHECK(!store->Get("short")->has_value());
}

TEST_CASE("Redis store: an outage is UNAVAILABLE, and the store recovers") {
  auto redis = testing::RedisServer::Start();
  REQUIRE(redis.ok());
  auto store = RedisStore((*redis)->port());
  REQUIRE(store->Update("s", AddTurn("before")).ok());
  (*redis)->Stop();
  CHECK(store->Update("s", AddTurn("during")).code() == absl::StatusCode::kUnavailable);
  CHECK(store->Get("s").status().code() == absl::StatusCode::kUnavailable);
  REQUIRE((*redis)->Restart().ok());
  REQUIRE(store->Update("s", AddTurn("after")).ok());  // no persistence: a fresh session
}

}  // namespace
}  // namespace shop::supportbot
