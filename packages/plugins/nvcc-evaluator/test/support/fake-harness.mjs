#!/usr/bin/env node
// A stand-in for the native harness, for tests on machines without a GPU: it speaks the harness protocol
// (one JSON request per line on stdin, one JSON reply per line on stdout), names its device after the
// CUDA_VISIBLE_DEVICES it was started with, and answers `evaluate` with the recorded reply in
// ../fixtures/evaluate-reply.json (made to pass). A kernel whose entry is `crash` kills the process, as a
// sticky CUDA error does (status 3). When $FAKE_HARNESS_DEAD_DIRECTORY holds a file named after its device,
// the process exits at once: a GPU whose harness cannot start.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";

const device = process.env.CUDA_VISIBLE_DEVICES ?? "unset";
const deadDirectory = process.env.FAKE_HARNESS_DEAD_DIRECTORY;
if (deadDirectory && existsSync(path.join(deadDirectory, device))) {
  process.stderr.write(`fake harness: device ${device} is gone\n`);
  process.exit(1);
}
const recorded = JSON.parse(
  readFileSync(new URL("../fixtures/evaluate-reply.json", import.meta.url), "utf8"),
);
const evaluateDelay = Number(process.env.FAKE_HARNESS_EVALUATE_MILLISECONDS ?? 20);
const loaded = new Map();
let nextHandle = 1;
const reply = (body) => process.stdout.write(`${JSON.stringify(body)}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  const request = JSON.parse(line);
  switch (request.op) {
    case "hello":
      reply({
        id: request.id,
        ok: true,
        harnessVersion: "fake",
        protocolVersion: 1,
        device: {
          ordinal: 0,
          name: `Fake GPU ${device}`,
          computeCapability: "9.0",
          smCount: 132,
          l2Bytes: 52_428_800,
          sharedPerBlockOptin: 232_448,
          clockKHz: 1_980_000,
          memoryBytes: 150_000_000_000,
          driverVersion: 13000,
          runtimeVersion: 13000,
        },
        cublas: { found: true, versionString: "13.1.0" },
        cublasLt: { found: true },
        pid: process.pid,
      });
      return;
    case "load": {
      const handle = `h${nextHandle++}`;
      loaded.set(handle, request.entry);
      reply({ id: request.id, ok: true, handle, entry: request.entry, attributes: recorded.kernel });
      return;
    }
    case "unload":
      loaded.delete(request.handle);
      reply({ id: request.id, ok: true });
      return;
    case "evaluate":
      if (loaded.get(request.handle) === "crash") {
        process.stderr.write("fake harness: an illegal address (sticky)\n");
        process.exit(3);
      }
      setTimeout(() => {
        reply({
          ...recorded,
          id: request.id,
          verdict: { passed: true, reason: "ok", phase: null, detail: null },
        });
      }, evaluateDelay);
      return;
    case "shutdown":
      process.exit(0);
      return;
    default:
      reply({
        id: request.id,
        ok: false,
        error: { code: "bad_request", message: `unknown op ${request.op}`, sticky: false },
      });
  }
});
