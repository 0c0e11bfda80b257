import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";
import { redactRedisUrl } from "../../src/index.js";

/** A Redis for the queue tests: its URL, and how to stop it when the tests started it. */
export interface TestRedis {
  url: string;
  /** Where it came from, for messages. */
  origin: string;
  stop(): Promise<void>;
}

/**
 * The Redis the queue integration tests run against: $KFORGE_TEST_REDIS_URL when set (CI's, started by
 * .ci/run), else a private `redis-server` started here on a free port without persistence. Resolves with
 * `{ skip }` when there is neither — except on CI (`CI` set), where that is an error: these tests must not
 * silently not run there.
 */
export async function startTestRedis(): Promise<TestRedis | { skip: string }> {
  const given = process.env.KFORGE_TEST_REDIS_URL;
  if (given) {
    await waitForRedis(given, 5_000);
    return { url: given, origin: "KFORGE_TEST_REDIS_URL", stop: async () => {} };
  }
  if (!commandExists("redis-server")) {
    const why =
      "redis-server is not installed and KFORGE_TEST_REDIS_URL is not set (apt-get install redis-server, or point KFORGE_TEST_REDIS_URL at a Redis)";
    if (process.env.CI)
      throw new Error(
        `The queue integration tests need Redis on CI: ${why}. .ci/run installs and starts one.`,
      );
    return { skip: why };
  }
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "yes",
    ],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitForRedis(url, 10_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return { url, origin: `redis-server on port ${port}`, stop: () => stopProcess(child) };
}

function commandExists(command: string): boolean {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRedis(url: string, timeoutMilliseconds: number): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (error) {
      last = error;
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `Redis at ${redactRedisUrl(url)} did not answer within ${timeoutMilliseconds} ms: ${String(last)}`,
  );
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
