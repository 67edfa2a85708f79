// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/served_model.h"

#include "common/status_macros.h"

namespace shop {

absl::StatusOr<std::unique_ptr<ServedModel>> ServedModel::Load(const InferenceOptions& options,
                                                               prometheus::Registry& registry) {
  // Process-wide, so repeating it for a binary's second model changes nothing.
  RETURN_IF_ERROR(ConfigureTorchThreads(options.intra_op_threads, options.inter_op_threads,
                                        options.blas_threads));
  std::unique_ptr<ServedModel> served(new ServedModel(registry, options.repository.name));
  ASSIGN_OR_RETURN(served->repository_,
                   ModelRepository::Create(options.repository, &served->metrics_));
  ASSIGN_OR_RETURN(served->model_, BatchedModel::Create(served->repository_.get(), options.batcher,
                                                        &served->metrics_));
  return served;
}

}  // namespace shop
