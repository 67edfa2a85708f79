// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The throwaway PostgreSQL server (tests/common/postgres_server.h): databases per test case,
// password login, data kept across Restart() and Kill().
#include "tests/common/postgres_server.h"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tests/catch.h"

namespace shop::testing {
namespace {

std::unique_ptr<PostgresServer> StartPostgres() {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  if (!server.ok()) FAIL("cannot start postgres: " << server.status());
  return *std::move(server);
}

template <typename T>
T Ok(absl::StatusOr<T> value) {
  if (!value.ok()) FAIL("unexpected error: " << value.status());
  return *std::move(value);
}

// A libpq session as user() to `database`; status() says whether the login worked.
class Session {
 public:
  Session(const PostgresServer& server, const std::string& database, const std::string& password) {
    const std::string port = std::to_string(server.port());
    const char* keys[] = {"host", "port", "user", "password", "dbname", nullptr};
    const char* values[] = {"127.0.0.1",      port.c_str(),     server.user().c_str(),
                            password.c_str(), database.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 0);
  }
  ~Session() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // The first column of the first row of `sql`'s result, or "ERROR: ..." / "" (no rows).
  std::string Query(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    std::string value;
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      value = "ERROR: " + error();
    }
    PQclear(result);
    return value;
  }

 private:
  PGconn* conn_;
};

TEST_CASE("PostgresServer gives each test a database and requires the password") {
  std::unique_ptr<PostgresServer> server = StartPostgres();
  CHECK(server->running());
  CHECK(server->user() == "shop");
  const std::string first = Ok(server->CreateDatabase("orders"));
  const std::string second = Ok(server->CreateDatabase("orders"));
  CHECK(first != second);
  CHECK(server->Url(first) ==
        "postgresql://shop@127.0.0.1:" + std::to_string(server->port()) + "/" + first);

  // The password file is what a store reads: this process can, nobody else may.
  std::ifstream in(server->password_file());
  std::stringstream password;
  password << in.rdbuf();
  CHECK(password.str() == server->password());
  struct stat st;
  REQUIRE(stat(server->password_file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_uid == geteuid());

  for (const std::string& database : {first, second}) {
    Session session(*server, database, server->password());
    INFO(session.error() << server->log());
    REQUIRE(session.ok());
    CHECK(session.Query("SELECT 1") == "1");
    CHECK(session.Query("SELECT current_database()") == database);
  }
  Session wrong(*server, first, server->password() + "x");
  CHECK_FALSE(wrong.ok());
  CHECK_THAT(wrong.error(), Catch::Contains("password authentication failed"));
}

TEST_CASE("PostgresServer keeps committed data across Restart() and Kill()") {
  std::unique_ptr<PostgresServer> server = StartPostgres();
  const std::string database = Ok(server->CreateDatabase("restart"));
  const int port = server->port();
  {
    Session session(*server, database, server->password());
    REQUIRE(session.ok());
    CHECK(session.Query("CREATE TABLE t (v text); INSERT INTO t VALUES ('before restart')") == "");
  }
  REQUIRE(server->Restart().ok());
  CHECK(server->port() == port);
  {
    Session session(*server, database, server->password());
    REQUIRE(session.ok());
    CHECK(session.Query("SELECT v FROM t") == "before restart");
    // Committed just before the crash: acknowledged means kept, as with a production server.
    CHECK(session.Query("INSERT INTO t VALUES ('before kill')") == "");
    server->Kill();
    CHECK_FALSE(server->running());
    CHECK(session.Query("SELECT 1").rfind("ERROR: ", 0) == 0);
  }
  CHECK_FALSE(Session(*server, database, server->password()).ok());
  server->Kill();  // idempotent
  server->Stop();
  absl::Status restarted = server->Restart();
  INFO(server->log());
  REQUIRE(restarted.ok());
  Session session(*server, database, server->password());
  REQUIRE(session.ok());
  CHECK(session.Query("SELECT count(*) FROM t") == "2");
  server->Stop();
  server->Stop();  // idempotent
  CHECK_FALSE(server->running());
}

}  // namespace
}  // namespace shop::testing
