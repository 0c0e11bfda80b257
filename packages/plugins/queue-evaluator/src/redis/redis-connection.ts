import { describeError, KernelForgeError } from "@kernelforge/core";
import { Redis } from "ioredis";
import {
  type ConnectionSettings,
  connectionOptions,
  type RedisEndpoint,
  redactSecrets,
} from "./redis-url.js";

/**
 * Opens a connection and checks it with PING, failing fast: no retries, at most `timeoutMilliseconds` in all.
 * Resolves with the connected client (which from then on reconnects by itself when the connection drops);
 * rejects with a KernelForgeError (`redis_unreachable`, or `redis_auth_failed` when the credentials were
 * refused) that names the server by its redacted URL and never contains the password.
 */
export async function connectRedis(
  endpoint: RedisEndpoint,
  settings: ConnectionSettings & { timeoutMilliseconds?: number; name?: string } = {},
): Promise<Redis> {
  const timeoutMilliseconds = settings.timeoutMilliseconds ?? 5_000;
  const options = connectionOptions(endpoint, settings);
  const client = new Redis({
    ...options,
    lazyConnect: true,
    // No reconnection while checking: a refused connection is the answer.
    retryStrategy: () => null,
    connectTimeout: timeoutMilliseconds,
    maxRetriesPerRequest: 1,
    ...(settings.name ? { connectionName: settings.name } : {}),
  });
  // The client reports what went wrong as an event (a refused password, say) before the awaited call fails
  // with a bare "Connection is closed": keep the first, it says why.
  let reported: unknown;
  const ignore = (error: unknown) => {
    reported ??= error;
  };
  client.on("error", ignore);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMilliseconds} ms`)),
          timeoutMilliseconds,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw unreachable(endpoint, reported ?? error);
  } finally {
    clearTimeout(timer);
    client.off("error", ignore);
  }
  client.options.retryStrategy = options.retryStrategy;
  return client;
}

/** The error for a Redis that did not answer or refused the credentials, with nothing secret in it. */
export function unreachable(endpoint: RedisEndpoint, error: unknown): KernelForgeError {
  const detail = redactSecrets(describeError(error), endpoint);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(detail)) {
    return new KernelForgeError(
      "redis_auth_failed",
      `Redis at ${endpoint.redacted} refused the credentials: ${detail}`,
      { hint: "Check the user and password in the Redis URL (redis://user:password@host:port)." },
    );
  }
  return new KernelForgeError("redis_unreachable", `cannot reach Redis at ${endpoint.redacted}: ${detail}`, {
    hint: "Start Redis there (or fix the URL: --redis, KFORGE_REDIS_URL, or the queue-evaluator plugin's `redis` option); `kforge doctor --redis <url>` checks it.",
  });
}
