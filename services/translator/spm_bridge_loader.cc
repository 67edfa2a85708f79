// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// SpmBridge::Load: finds libshop_spm_bridge.so and opens it in its own symbol scope (see
// spm_bridge.h for why).
#include <dlfcn.h>
#include <unistd.h>

#include <mutex>

#include "services/translator/spm_bridge.h"

namespace shop::translator {
namespace {

using CreateFn = SpmBridge* (*)(const char*, std::string*);

// Beside the running binary first (installed layouts), then where the build put it.
std::vector<std::string> Candidates() {
  std::vector<std::string> out;
  if (const char* env = getenv("SHOP_SPM_BRIDGE")) out.emplace_back(env);
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    out.push_back(dir + "/libshop_spm_bridge.so");
  }
#ifdef SHOP_SPM_BRIDGE_PATH
  out.emplace_back(SHOP_SPM_BRIDGE_PATH);
#endif
  return out;
}

CreateFn Resolve(std::string* error) {
  static std::once_flag once;
  static CreateFn create = nullptr;
  static std::string load_error;
  std::call_once(once, [] {
    for (const std::string& path : Candidates()) {
      if (access(path.c_str(), R_OK) != 0) continue;
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (handle == nullptr) {
        load_error = dlerror();
        continue;
      }
      create = reinterpret_cast<CreateFn>(dlsym(handle, "ShopSpmBridgeCreate"));
      if (create != nullptr) return;
      load_error = path + " has no ShopSpmBridgeCreate";
    }
    if (load_error.empty()) load_error = "libshop_spm_bridge.so not found (set SHOP_SPM_BRIDGE)";
  });
  if (create == nullptr) *error = load_error;
  return create;
}

}  // namespace

std::unique_ptr<SpmBridge> SpmBridge::Load(const std::string& path, std::string* error) {
  CreateFn create = Resolve(error);
  if (create == nullptr) return nullptr;
  return std::unique_ptr<SpmBridge>(create(path.c_str(), error));
}

}  // namespace shop::translator
