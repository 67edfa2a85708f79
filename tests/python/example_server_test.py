#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""An independent client (python3-grpcio) against the real example_server binary over
loopback: health, server reflection (v1alpha), inference, error codes and /metrics."""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

ARGS = None


def start_server():
    proc = subprocess.Popen(
        [ARGS.server, "--listen_address=127.0.0.1", "--port=0",
         "--metrics_address=127.0.0.1", "--metrics_port=0",
         f"--model_root={ARGS.model_root}", "--model_poll_interval=0s"],
        stderr=subprocess.PIPE, text=True)
    ports = None
    deadline = time.time() + 120
    log = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        log.append(line)
        if not line.startswith("{"):
            continue  # gRPC's own log lines
        event = json.loads(line)
        if event["event"] == "server_started":
            ports = (event["port"], event["metrics_port"])
        if event["event"] == "health_changed" and event.get("serving") is True:
            return proc, ports
    proc.kill()
    raise RuntimeError("server did not become ready:\n" + "".join(log))


class ExampleServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import grpc
        cls.grpc = grpc
        cls.proc, (cls.port, cls.metrics_port) = start_server()
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.port}")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proc.send_signal(signal.SIGTERM)
        cls.exit_code = cls.proc.wait(timeout=30)
        assert cls.exit_code == 0, f"server exited {cls.exit_code}"

    def test_health_reports_serving_for_overall_and_service(self):
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        stub = health_pb2_grpc.HealthStub(self.channel)
        for service in ("", "shop.example.v1.ExampleInference"):
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            self.assertEqual(response.status, health_pb2.HealthCheckResponse.SERVING)

    def test_reflection_lists_the_services(self):
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
        stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)
        responses = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
        names = {s.name for r in responses for s in r.list_services_response.service}
        self.assertIn("shop.example.v1.ExampleInference", names)
        self.assertIn("grpc.health.v1.Health", names)
        self.assertIn("grpc.reflection.v1alpha.ServerReflection", names)

    def test_reflection_serves_the_service_descriptor(self):
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
        from google.protobuf import descriptor_pb2
        stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)
        request = reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="shop.example.v1.ExampleInference")
        response = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in response.file_descriptor_response.file_descriptor_proto]
        methods = [m.name for f in files for s in f.service for m in s.method]
        self.assertIn("Infer", methods)

    def test_infer_and_error_codes_are_counted_in_metrics(self):
        from shop.example.v1 import example_pb2, example_pb2_grpc
        stub = example_pb2_grpc.ExampleInferenceStub(self.channel)
        response = stub.Infer(example_pb2.InferRequest(features=[1, 2, 3, 4]), timeout=10)
        self.assertEqual(response.model_version, 2)
        self.assertAlmostEqual(response.scores[1], 41.0, places=4)
        with self.assertRaises(self.grpc.RpcError) as error:
            stub.Infer(example_pb2.InferRequest(features=[1.0]), timeout=10)
        self.assertEqual(error.exception.code(), self.grpc.StatusCode.INVALID_ARGUMENT)
        page = urllib.request.urlopen(
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).read().decode()
        ok = re.search(r'grpc_server_handled_total\{[^}]*grpc_code="OK"[^}]*'
                       r'grpc_method="Infer"[^}]*\} (\d+)', page)
        bad = re.search(r'grpc_server_handled_total\{[^}]*grpc_code="INVALID_ARGUMENT"[^}]*'
                        r'grpc_method="Infer"[^}]*\} (\d+)', page)
        self.assertIsNotNone(ok, page)
        self.assertIsNotNone(bad, page)
        self.assertGreaterEqual(int(ok.group(1)), 1)
        self.assertGreaterEqual(int(bad.group(1)), 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--model_root", required=True)
    parser.add_argument("--python_out", required=True)
    ARGS, rest = parser.parse_known_args()
    sys.path.insert(0, ARGS.python_out)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
