import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig, loadConfig } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { captureContext } from "./capture-context.js";

const packageDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repositoryRoot = path.resolve(packageDirectory, "../..");
const bin = path.join(packageDirectory, "dist", "bin.js");

function temporaryDirectory(): string {
  return mkdtempSync(path.join(tmpdir(), "kforge-cli-"));
}

/** What the system says about nvcc, found without kforge's own code. */
function independentNvccRelease(): string | undefined {
  try {
    const output = execFileSync("nvcc", ["--version"], { encoding: "utf8" });
    return /release (\d+\.\d+)/.exec(output)?.[1];
  } catch {
    return undefined;
  }
}

function independentGpuCount(): number {
  try {
    return execFileSync("nvidia-smi", ["-L"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.startsWith("GPU ")).length;
  } catch {
    return 0;
  }
}

describe("kforge doctor", () => {
  it("prints valid JSON whose nvcc and GPU lines agree with the system", async () => {
    const capture = captureContext(temporaryDirectory());
    const status = await main(["doctor", "--json"], capture.context);
    expect(status).toBe(0);
    const report = JSON.parse(capture.stdout()) as {
      checks: { id: string; status: string; details?: Record<string, unknown> }[];
    };
    const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    expect(Object.keys(byId)).toEqual(["node", "nvcc", "gpu", "cublas", "redis", "hf-token"]);
    const release = independentNvccRelease();
    if (release) {
      expect(byId.nvcc?.status).toBe("ok");
      expect(byId.nvcc?.details?.release).toBe(release);
    } else {
      expect(byId.nvcc?.status).toBe("missing");
    }
    expect(byId.gpu?.status).toBe(independentGpuCount() > 0 ? "ok" : "missing");
  });

  it("never prints the Hugging Face token or a Redis password", async () => {
    const env = {
      ...process.env,
      HF_TOKEN: "hf_secretsecret123",
      KFORGE_REDIS_URL: "redis://user:pa55word@127.0.0.1:1",
    };
    const capture = captureContext(temporaryDirectory(), env);
    await main(["doctor", "--json"], capture.context);
    const output = capture.stdout();
    expect(output).not.toContain("hf_secretsecret123");
    expect(output).not.toContain("pa55word");
    expect(output).toContain('"summary": "set in HF_TOKEN"');
    expect(output).toContain("redis://user:***@127.0.0.1:1");
  });

  it("prints plain text when stdout is not a terminal", async () => {
    const capture = captureContext(temporaryDirectory());
    await main(["doctor"], capture.context);
    expect(capture.stdout()).toMatch(/^kforge doctor\n/);
    expect(capture.stdout()).toMatch(/✔ ok\s+Node\.js/);
    expect(capture.stdout()).not.toContain("\u001b[");
  });
});

describe("kforge init", () => {
  it("writes a config that loads back to exactly the embedded defaults, and refuses to overwrite it", async () => {
    const directory = temporaryDirectory();
    const first = captureContext(directory);
    expect(await main(["init"], first.context)).toBe(0);
    const file = path.join(directory, "kforge.config.ts");
    expect(first.stdout()).toContain(`Wrote ${file}`);
    expect(readFileSync(file, "utf8")).toContain('import { defineConfig } from "@kernelforge/core";');
    const loaded = await loadConfig({ cwd: directory });
    expect(loaded.source).toBe(file);
    expect(loaded.config).toEqual(defaultConfig());

    const second = captureContext(directory);
    expect(await main(["init"], second.context)).toBe(1);
    expect(second.stderr()).toContain("already exists; nothing was written");
    expect(second.stderr()).toContain("--force");
    expect(await main(["init", "--force", "--json"], captureContext(directory).context)).toBe(0);
  });
});

describe("kforge plugins", () => {
  it("lists plugins from a config, by package name and by path, with versions and contracts", async () => {
    const directory = temporaryDirectory();
    const examplePath = path.join(repositoryRoot, "docs/examples/keyword-retriever");
    writeFileSync(
      path.join(directory, "kforge.config.json"),
      JSON.stringify({ plugins: [{ from: examplePath, options: { minimumMatches: 2 } }] }),
    );
    const capture = captureContext(directory);
    expect(await main(["plugins", "--json"], capture.context)).toBe(0);
    const listing = JSON.parse(capture.stdout()) as { config: string; plugins: Record<string, unknown>[] };
    expect(listing.config).toBe(path.join(directory, "kforge.config.json"));
    expect(listing.plugins).toHaveLength(1);
    expect(listing.plugins[0]).toMatchObject({
      name: "keyword-retriever",
      packageName: "kforge-plugin-keyword-retriever",
      packageVersion: "0.1.0",
      kind: "path",
      provides: ["retriever"],
      options: { minimumMatches: 2 },
    });
  });

  it("reports a bad plugin option with its key and exits 1", async () => {
    const directory = temporaryDirectory();
    const examplePath = path.join(repositoryRoot, "docs/examples/keyword-retriever");
    writeFileSync(
      path.join(directory, "kforge.config.json"),
      JSON.stringify({ plugins: [{ from: examplePath, options: { minimumMatches: 0 } }] }),
    );
    const capture = captureContext(directory);
    expect(await main(["plugins", "--json"], capture.context)).toBe(1);
    const report = JSON.parse(capture.stdout()) as { error: { code: string; message: string } };
    expect(report.error.code).toBe("invalid_config");
    expect(report.error.message).toContain("plugins[0].options.minimumMatches");
    expect(report.error.message).toContain("got 0 (number)");
  });
});

describe("the kforge executable", () => {
  it("prints its version and exits 2 on an unknown command or flag", () => {
    expect(existsSync(bin)).toBe(true);
    const version = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    expect(version.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(packageDirectory, "package.json"), "utf8")) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(manifest.version);
    const unknown = spawnSync(process.execPath, [bin, "frobnicate"], { encoding: "utf8" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    const badFlag = spawnSync(process.execPath, [bin, "plugins", "--colour"], { encoding: "utf8" });
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("--colour");
  }, 60_000);
});

describe("kforge bench", () => {
  const kernel = `#include <cuda_fp16.h>
// kforge:launch {"grid": ["cdiv(N,16)", "cdiv(M,16)"], "block": [16, 16]}
extern "C" __global__ void naive(const __half* A, const __half* B, __half* C, int M, int N, int K, void* workspace) {
  int row = blockIdx.y * 16 + threadIdx.y, col = blockIdx.x * 16 + threadIdx.x;
  if (row >= M || col >= N) return;
  float sum = 0.f;
  for (int k = 0; k < K; ++k) sum += __half2float(A[row * K + k]) * __half2float(B[k * N + col]);
  C[row * N + col] = __float2half(sum);
}
`;

  it("needs a shape, a launch and a readable file, and says so", async () => {
    const directory = temporaryDirectory();
    writeFileSync(path.join(directory, "plain.cu"), kernel.replace(/\/\/ kforge:launch.*\n/, ""));
    const noShape = captureContext(directory);
    expect(await main(["bench", "plain.cu"], noShape.context)).toBe(1);
    expect(noShape.stderr()).toContain("needs --shape MxNxK");
    const noLaunch = captureContext(directory);
    expect(await main(["bench", "plain.cu", "--shape", "64x64x64"], noLaunch.context)).toBe(1);
    expect(noLaunch.stderr()).toContain("says nothing about how to launch it");
    const missing = captureContext(directory);
    expect(await main(["bench", "nowhere.cu", "--shape", "64x64x64"], missing.context)).toBe(1);
    expect(missing.stderr()).toContain("cannot read");
  });

  it.skipIf(independentGpuCount() > 0)(
    "reports clearly that no GPU is visible instead of inventing timings",
    async () => {
      const directory = temporaryDirectory();
      writeFileSync(path.join(directory, "naive.cu"), kernel);
      const capture = captureContext(directory);
      expect(await main(["bench", "naive.cu", "--shape", "256x256x256", "--json"], capture.context)).toBe(1);
      const report = JSON.parse(capture.stdout()) as { error: { code: string; message: string } };
      expect(["no_gpu", "nvcc_missing"]).toContain(report.error.code);
    },
    60_000,
  );
});
