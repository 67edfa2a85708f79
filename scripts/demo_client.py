#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""A short client session against the running system (started by scripts/run.sh):
health, reflection, a few inferences, a bad request, and the metrics they left."""
import argparse
import random
import sys
import urllib.request


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python_out", default="build/python")
    parser.add_argument("--example", default="127.0.0.1:50050")
    parser.add_argument("--metrics", default="127.0.0.1:9090")
    args = parser.parse_args()
    sys.path.insert(0, args.python_out)
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
    from shop.example.v1 import example_pb2, example_pb2_grpc

    channel = grpc.insecure_channel(args.example)
    health = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=5)
    print(f"health: {health_pb2.HealthCheckResponse.ServingStatus.Name(health.status)}")

    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    listing = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    services = sorted(s.name for r in listing for s in r.list_services_response.service)
    print("services:", ", ".join(services))

    stub = example_pb2_grpc.ExampleInferenceStub(channel)
    rng = random.Random(0)
    for i in range(3):
        features = [rng.uniform(-1, 1) for _ in range(2048)]
        reply = stub.Infer(example_pb2.InferRequest(features=features), timeout=5)
        top = max(range(len(reply.scores)), key=lambda j: reply.scores[j])
        print(f"infer #{i + 1}: model v{reply.model_version}, {len(reply.scores)} scores, "
              f"best class {top} ({reply.scores[top]:.3f})")
    try:
        stub.Infer(example_pb2.InferRequest(features=[1.0, 2.0]), timeout=5)
    except grpc.RpcError as error:
        print(f"bad request -> {error.code().name}: {error.details()}")

    page = urllib.request.urlopen(f"http://{args.metrics}/metrics", timeout=5).read().decode()
    print("metrics:")
    for line in page.splitlines():
        if line.startswith(("grpc_server_handled_total", "shop_inference_requests_total",
                            "shop_model_version_loaded")) and not line.endswith(" 0"):
            print("  " + line)


if __name__ == "__main__":
    main()
