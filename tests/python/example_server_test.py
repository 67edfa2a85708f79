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
    """The server, its (grpc, metrics) ports and its start-up log events. OPENBLAS_CORETYPE
    is removed from its environment so that it picks its BLAS kernels by itself."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "scripts", "lib"))
    from grpc_bench import start_server as start
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    events = []
    proc, _ = start([ARGS.server, "--listen_address=127.0.0.1", "--port=0",
                     "--metrics_address=127.0.0.1", "--metrics_port=0",
                     f"--model_root={ARGS.model_root}", "--model_poll_interval=0s"],
                    timeout=120, events=events, env=env)
    started = [e for e in events if e["event"] == "server_started"][-1]
    return proc, (started["port"], started["metrics_port"]), events


def preferred_blas_core():
    """What common/inference/blas_kernels.cc should ask OpenBLAS for on this CPU."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "scripts", "lib"))
    from grpc_bench import preferred_blas_core as preferred
    return preferred()


class ExampleServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import grpc
        cls.grpc = grpc
        cls.proc, (cls.port, cls.metrics_port), cls.events = start_server()
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.port}")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proc.send_signal(signal.SIGTERM)
        cls.exit_code = cls.proc.wait(timeout=30)
        assert cls.exit_code == 0, f"server exited {cls.exit_code}"

    def test_blas_runs_the_cpus_kernels_not_the_generic_fallback(self):
        # Debian's OpenBLAS falls back to Prescott (SSE3) kernels on CPUs newer than it
        # knows; the server must have re-executed itself with OPENBLAS_CORETYPE.
        threads = [e for e in self.events if e["event"] == "torch_threads"]
        self.assertTrue(threads, "no torch_threads event in the start-up log")
        core = threads[-1].get("blas_core", "")
        if not core:
            self.skipTest("the BLAS in this process is not OpenBLAS")
        if preferred_blas_core():
            self.assertNotEqual(core.lower(), "prescott",
                                f"OpenBLAS runs {core} kernels on a CPU with "
                                f"{preferred_blas_core()}-class instructions")

    def test_process_is_named_after_its_binary_after_the_reexec(self):
        # The BLAS re-exec must not rename the process "exe" (ps, top and perf show comm).
        with open(f"/proc/{self.proc.pid}/comm") as f:
            comm = f.read().strip()
        self.assertEqual(comm, os.path.basename(ARGS.server)[:15])

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


def make_pki(directory):
    """A CA and, signed by it, a server and a client certificate for 127.0.0.1 (openssl;
    made per run, never committed). Returns {name: path}."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    p = {n: os.path.join(directory, n) for n in ("ca.crt", "ca.key", "ext")}
    with open(p["ext"], "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n")
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=test-ca", "-keyout", p["ca.key"], "-out", p["ca.crt"])
    for name in ("server", "client"):
        key, csr, crt = (os.path.join(directory, f"{name}.{x}") for x in ("key", "csr", "crt"))
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
            f"/CN={name}", "-keyout", key, "-out", csr)
        run("x509", "-req", "-days", "2", "-in", csr, "-CA", p["ca.crt"], "-CAkey", p["ca.key"],
            "-CAcreateserial", "-out", crt, "-extfile", p["ext"])
        p[f"{name}.key"], p[f"{name}.crt"] = key, crt
    return p


class ExampleServerMutualTlsTest(unittest.TestCase):
    """The same binary with --tls_cert_file/--tls_key_file/--tls_client_ca_file: a Python
    client with a certificate from the CA is served; without one, or in plaintext, not."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        import grpc
        cls.grpc = grpc
        cls.dir = tempfile.TemporaryDirectory()
        cls.pki = make_pki(cls.dir.name)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                        "scripts", "lib"))
        from grpc_bench import start_server as start
        cls.proc, cls.port = start([ARGS.server, "--listen_address=127.0.0.1", "--port=0",
                                    "--metrics_port=-1", f"--model_root={ARGS.model_root}",
                                    "--model_poll_interval=0s",
                                    f"--tls_cert_file={cls.pki['server.crt']}",
                                    f"--tls_key_file={cls.pki['server.key']}",
                                    f"--tls_client_ca_file={cls.pki['ca.crt']}"], timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        cls.proc.wait(timeout=30)
        cls.dir.cleanup()

    def health(self, channel):
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        try:
            r = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""),
                                                          timeout=5)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)
        except self.grpc.RpcError as error:
            return error.code().name
        finally:
            channel.close()

    def read(self, name):
        with open(self.pki[name], "rb") as f:
            return f.read()

    def test_client_certificate_required(self):
        grpc = self.grpc
        target = f"127.0.0.1:{self.port}"
        mutual = grpc.ssl_channel_credentials(self.read("ca.crt"), self.read("client.key"),
                                              self.read("client.crt"))
        self.assertEqual(self.health(grpc.secure_channel(target, mutual)), "SERVING")
        server_only = grpc.ssl_channel_credentials(self.read("ca.crt"))
        self.assertEqual(self.health(grpc.secure_channel(target, server_only)), "UNAVAILABLE")
        self.assertEqual(self.health(grpc.insecure_channel(target)), "UNAVAILABLE")

    def test_demo_client_channels_speak_mutual_tls(self):
        # scripts/demo_client.py --tls_ca_file/--tls_cert_file/--tls_key_file
        import argparse as ap
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
        import demo_client
        target = f"127.0.0.1:{self.port}"
        flags = ap.Namespace(tls_ca_file=self.pki["ca.crt"], tls_cert_file=self.pki["client.crt"],
                             tls_key_file=self.pki["client.key"])
        self.assertEqual(self.health(demo_client.channel_opener(self.grpc, flags)(target)), "SERVING")
        flags = ap.Namespace(tls_ca_file="", tls_cert_file="", tls_key_file="")
        self.assertEqual(self.health(demo_client.channel_opener(self.grpc, flags)(target)), "UNAVAILABLE")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--model_root", required=True)
    parser.add_argument("--python_out", required=True)
    ARGS, rest = parser.parse_known_args()
    sys.path.insert(0, ARGS.python_out)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
