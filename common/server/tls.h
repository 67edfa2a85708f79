// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// TLS and mutual TLS for the project's gRPC servers and clients, from PEM files.
//
// The files are watched (gRPC's FileWatcherCertificateProvider): when Kubernetes rotates a
// mounted Secret, new connections get the new certificate or CA bundle within
// `refresh_interval`, without a restart, and open connections keep working. Replace the
// files atomically (write elsewhere, then rename, as the kubelet does): a key and a
// certificate read half-way through a rewrite do not match and are ignored until the next
// check.
#ifndef SHOP_COMMON_SERVER_TLS_H_
#define SHOP_COMMON_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace shop {

struct ServerTlsFiles {
  std::string cert_file;       // certificate chain (PEM); with key_file: TLS
  std::string key_file;        // private key (PEM)
  std::string client_ca_file;  // set: mutual TLS, clients must present a certificate it signed
  absl::Duration refresh_interval = absl::Seconds(60);
};

// Plaintext when no file is set; TLS with cert_file and key_file; mutual TLS when
// client_ca_file is set too. INVALID_ARGUMENT for an incomplete set (a certificate without
// its key, a client CA without a server certificate) or a file that is not PEM; NOT_FOUND
// for a file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsFiles& files);

struct ClientTlsFiles {
  std::string ca_file;    // set: TLS, the server's certificate must chain to this bundle
  std::string cert_file;  // with key_file: the client's own certificate, for mutual TLS
  std::string key_file;
  absl::Duration refresh_interval = absl::Seconds(60);
};

// Plaintext when no file is set; otherwise TLS that verifies the server's certificate
// (chain and host name) against ca_file, presenting cert_file/key_file when set.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsFiles& files);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_TLS_H_
