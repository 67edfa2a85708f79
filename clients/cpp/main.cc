// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Minimal C++ client of the three services through the gateway, built against the
// installed ShopProtos package (README of clients/). One call per service, then a bad
// request whose error details name the offending field.
//
//   shop_client --target=127.0.0.1:8080 [--token=<JWT>]
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/error_details.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "shop/recommender/v1/recommender.grpc.pb.h"
#include "shop/supportbot/v1/supportbot.grpc.pb.h"
#include "shop/translator/v1/translator.grpc.pb.h"

namespace {

std::string Flag(int argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  }
  return "";
}

// A context with a deadline and, when given, the caller's token for the gateway.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

bool Failed(const char* what, const grpc::Status& status) {
  if (status.ok()) return false;
  std::cerr << what << " failed: " << status.error_code() << " " << status.error_message() << "\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string target = Flag(argc, argv, "target");
  const std::string token = Flag(argc, argv, "token");
  if (target.empty()) {
    std::cerr << "usage: shop_client --target=host:port [--token=JWT]\n";
    return 2;
  }
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());

  auto translator = shop::translator::v1::Translator::NewStub(channel);
  shop::translator::v1::TranslateRequest translate;
  translate.add_texts("Where is my order?");
  translate.set_source_language("en");
  translate.set_target_language("de");
  shop::translator::v1::TranslateResponse translated;
  if (Failed("Translate", translator->Translate(Context(token).get(), translate, &translated))) {
    return 1;
  }
  std::cout << "translate: " << translated.translations(0).text() << "\n";

  auto recommender = shop::recommender::v1::Recommender::NewStub(channel);
  shop::recommender::v1::RecommendRequest recommend;
  for (const char* id : {"12", "13", "14"}) recommend.add_recent_item_ids(id);
  recommend.set_k(3);
  recommend.mutable_filters()->set_ship_to_country("DE");
  shop::recommender::v1::RecommendResponse recommended;
  if (Failed("Recommend", recommender->Recommend(Context(token).get(), recommend, &recommended))) {
    return 1;
  }
  std::cout << "recommend:";
  for (const auto& item : recommended.items()) std::cout << " " << item.item_id();
  std::cout << "\n";

  auto bot = shop::supportbot::v1::SupportBot::NewStub(channel);
  shop::supportbot::v1::ConverseRequest converse;
  converse.set_message("How long does shipping to Germany take?");
  shop::supportbot::v1::ConverseResponse reply;
  if (Failed("Converse", bot->Converse(Context(token).get(), converse, &reply))) return 1;
  std::cout << "converse: " << reply.reply() << "\n";

  // A bad request: the error details say which field, and why.
  translate.mutable_options()->set_beam_size(99);
  const grpc::Status bad = translator->Translate(Context(token).get(), translate, &translated);
  google::rpc::Status details;
  if (bad.ok() || !grpc::ExtractErrorDetails(bad, &details).ok()) {
    std::cerr << "beam_size 99 was not refused with error details\n";
    return 1;
  }
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& v : bad_request.field_violations()) {
        std::cout << "bad field: " << v.field() << " (" << v.description() << ")\n";
      }
    } else if (any.UnpackTo(&info)) {
      std::cout << "error reason: " << info.domain() << "/" << info.reason() << "\n";
    }
  }
  return 0;
}
