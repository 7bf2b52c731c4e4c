#!/usr/bin/env python3
"""A real gRPC client (Debian's python3-grpcio) against `tessera serve` on the demo repository.

The KServe v2 stubs are generated from the project's own .proto with grpc_tools at test time, as
a user generates them from Triton's grpc_service.proto. Checks: the standard health service
(grpc.health.v1.Health/Check, what Kubernetes' gRPC probes and grpc_health_probe call), unary
ModelInfer, and ModelStreamInfer with and without Triton's triton_enable_empty_final_response.
"""
import argparse
import importlib
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import threading

try:
    import grpc
    from grpc_tools import protoc
except ImportError as error:  # ctest counts exit 77 as skipped
    print(f"skipped: {error} (apt-get install python3-grpcio python3-grpc-tools)")
    sys.exit(77)

ARGS = None
SERVER = None
STUBS = None  # (pb2 module, stub)


def start_server():
    process = subprocess.Popen(
        [ARGS.tessera, "serve", "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"grpc 127\.0\.0\.1:(\d+)", line)
        if match:
            # Keep reading what it prints, so a full pipe never blocks the server.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, int(match.group(1))
    process.kill()
    raise RuntimeError("tessera serve did not start:\n" + "".join(seen))


def generate_stubs(directory):
    proto_dir = os.path.dirname(ARGS.proto)
    code = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={directory}",
                        f"--grpc_python_out={directory}", ARGS.proto])
    if code != 0:
        raise RuntimeError(f"grpc_tools.protoc failed on {ARGS.proto}")
    sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(ARGS.proto))[0]
    return importlib.import_module(name + "_pb2"), importlib.import_module(name + "_pb2_grpc")


def text_request(pb2, model, text, **parameters):
    request = pb2.ModelInferRequest(model_name=model)
    tensor = request.inputs.add(name="text_input" if model == "chat" else "text",
                                datatype="BYTES", shape=[1])
    tensor.contents.bytes_contents.append(text.encode())
    for key, value in parameters.items():
        if isinstance(value, bool):
            request.parameters[key].bool_param = value
        elif isinstance(value, int):
            request.parameters[key].int64_param = value
        else:
            request.parameters[key].double_param = value
    return request


def raw_bytes(response, index):
    """The BYTES elements of a raw output (4-byte little-endian length, then the bytes)."""
    raw, out = response.raw_output_contents[index], []
    while raw:
        (size,) = struct.unpack("<I", raw[:4])
        out.append(raw[4:4 + size].decode(errors="replace"))
        raw = raw[4 + size:]
    return out


class GrpcClientTest(unittest.TestCase):
    def setUp(self):
        self.channel = grpc.insecure_channel(f"127.0.0.1:{SERVER[1]}")
        self.pb2, grpc_module = STUBS
        self.stub = grpc_module.GRPCInferenceServiceStub(self.channel)

    def tearDown(self):
        self.channel.close()

    def test_standard_health_check_says_serving(self):
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        # HealthCheckRequest{service: ""} is empty; HealthCheckResponse{status: SERVING (1)}.
        self.assertEqual(check(b"", timeout=10), b"\x08\x01")

    def test_unary_infer_embeds(self):
        response = self.stub.ModelInfer(text_request(self.pb2, "embed", "hello"), timeout=30)
        self.assertEqual(response.outputs[0].datatype, "FP32")
        width = response.outputs[0].shape[-1]
        self.assertGreater(width, 0)
        self.assertEqual(len(response.raw_output_contents[0]), 4 * width)

    def stream(self, request):
        responses = list(self.stub.ModelStreamInfer(iter([request]), timeout=60))
        for r in responses:
            self.assertEqual(r.error_message, "")
        return [r.infer_response for r in responses]

    def test_stream_without_opt_in_sends_only_pieces(self):
        request = text_request(self.pb2, "chat", "Tell me", max_tokens=5, temperature=0.0,
                               ignore_eos=True)
        whole = raw_bytes(self.stub.ModelInfer(request, timeout=30), 0)[0]
        responses = self.stream(request)
        self.assertGreaterEqual(len(responses), 2)
        for r in responses:
            self.assertNotIn("triton_final_response", r.parameters)
            self.assertEqual(len(r.outputs), 1, "an empty response was sent")
        self.assertEqual("".join(raw_bytes(r, 0)[0] for r in responses), whole)

    def test_stream_with_opt_in_ends_with_an_empty_final_response(self):
        request = text_request(self.pb2, "chat", "Tell me", max_tokens=5, temperature=0.0,
                               ignore_eos=True, triton_enable_empty_final_response=True)
        responses = self.stream(request)
        flags = [r.parameters["triton_final_response"].bool_param for r in responses]
        self.assertEqual(flags, [False] * (len(responses) - 1) + [True])
        self.assertEqual(len(responses[-1].outputs), 0)
        self.assertEqual(responses[-1].parameters["completion_tokens"].int64_param, 5)


def main():
    global ARGS, SERVER, STUBS
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--proto", required=True)
    ARGS, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as directory:
        STUBS = generate_stubs(directory)
        SERVER = start_server()
        try:
            program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
        finally:
            SERVER[0].send_signal(signal.SIGTERM)
            SERVER[0].wait(timeout=60)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
