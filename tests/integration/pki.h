// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Keys and certificates for TLS tests, made by the openssl command line in a scratch
// directory (never committed): a CA and leaf certificates for 127.0.0.1 and localhost that
// serve as server and client certificates.
#ifndef SHOP_TESTS_INTEGRATION_PKI_H_
#define SHOP_TESTS_INTEGRATION_PKI_H_

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/catch.h"

namespace shop::testing {

inline void RunOpenssl(const std::string& command) {
  INFO(command);
  REQUIRE(std::system((command + " >/dev/null 2>&1").c_str()) == 0);
}

// A CA (<dir>/<ca>.crt, .key) and certificates it signs for 127.0.0.1 and localhost.
class Pki {
 public:
  explicit Pki(const std::string& dir) : dir_(dir) {}

  std::string MakeCa(const std::string& name) {
    RunOpenssl(absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 ",
        "-subj /CN=", name, " -keyout ", Path(name + ".key"), " -out ", Path(name + ".crt")));
    return Path(name + ".crt");
  }

  // Writes <name>.crt and <name>.key, signed by `ca`.
  void MakeLeaf(const std::string& ca, const std::string& name) {
    std::ofstream(Path(name + ".ext"))
        << "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n";
    RunOpenssl(absl::StrCat(
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=", name,
        " -keyout ", Path(name + ".key"), " -out ", Path(name + ".csr")));
    RunOpenssl(absl::StrCat("openssl x509 -req -days 2 -in ", Path(name + ".csr"), " -CA ",
                            Path(ca + ".crt"), " -CAkey ", Path(ca + ".key"),
                            " -CAcreateserial -out ", Path(name + ".crt"), " -extfile ",
                            Path(name + ".ext")));
  }

  std::string Path(const std::string& file) const { return dir_ + "/" + file; }

 private:
  std::string dir_;
};

}  // namespace shop::testing

#endif  // SHOP_TESTS_INTEGRATION_PKI_H_
