// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/tls.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace shop {
namespace {

// The watcher reports unreadable or malformed files only as failed handshakes later, so
// start-up checks that each file is there and holds the PEM block it should.
absl::Status CheckPem(const std::string& flag, const std::string& path, absl::string_view block) {
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError(absl::StrCat("--", flag, "=", path, ": cannot read the file"));
  std::stringstream content;
  content << in.rdbuf();
  if (!absl::StrContains(content.str(), "-----BEGIN ") ||
      !absl::StrContains(content.str(), block)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": not a PEM file with a ", block, " block"));
  }
  return absl::OkStatus();
}

unsigned int RefreshSeconds(absl::Duration d) {
  return static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(d)));
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& files) {
  if (files.cert_file.empty() && files.key_file.empty() && files.client_ca_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file (and --tls_client_ca_file only with "
        "them)");
  }
  if (absl::Status s = CheckPem("tls_cert_file", files.cert_file, "CERTIFICATE"); !s.ok()) return s;
  if (absl::Status s = CheckPem("tls_key_file", files.key_file, "PRIVATE KEY"); !s.ok()) return s;
  const bool mutual = !files.client_ca_file.empty();
  if (mutual) {
    if (absl::Status s = CheckPem("tls_client_ca_file", files.client_ca_file, "CERTIFICATE");
        !s.ok()) {
      return s;
    }
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.client_ca_file,
      RefreshSeconds(files.refresh_interval));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (mutual) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsFiles& files) {
  if (files.ca_file.empty() && files.cert_file.empty() && files.key_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (files.ca_file.empty() || files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "client TLS needs a CA bundle, and a client certificate only with its key");
  }
  if (absl::Status s = CheckPem("ca_file", files.ca_file, "CERTIFICATE"); !s.ok()) return s;
  if (!files.cert_file.empty()) {
    if (absl::Status s = CheckPem("cert_file", files.cert_file, "CERTIFICATE"); !s.ok()) return s;
    if (absl::Status s = CheckPem("key_file", files.key_file, "PRIVATE KEY"); !s.ok()) return s;
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.ca_file, RefreshSeconds(files.refresh_interval));
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  if (!files.cert_file.empty()) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace shop
