import net from "node:net";
import tls from "node:tls";
import type { DoctorCheck } from "./doctor-check.js";

const DEFAULT_URL = "redis://127.0.0.1:6379";

/** The URL with any password replaced, safe to print. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.href.replace(/\/$/, "");
}

function encodeCommand(parts: readonly string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;
}

/**
 * Connects, authenticates when the URL carries credentials, sends PING and reads the reply. Resolves with
 * the reply's first line; rejects on connection errors and after `timeoutMilliseconds`.
 */
export function pingRedis(url: URL, timeoutMilliseconds = 1_500): Promise<string> {
  return new Promise((resolve, reject) => {
    const port = Number(url.port || 6379);
    const host = url.hostname || "127.0.0.1";
    const socket =
      url.protocol === "rediss:"
        ? tls.connect({ host, port, servername: host })
        : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMilliseconds} ms`));
    }, timeoutMilliseconds);
    let buffer = "";
    let expectedReplies = 1;
    socket.once(url.protocol === "rediss:" ? "secureConnect" : "connect", () => {
      if (url.password) {
        const username = decodeURIComponent(url.username);
        const password = decodeURIComponent(url.password);
        socket.write(encodeCommand(username ? ["AUTH", username, password] : ["AUTH", password]));
        expectedReplies = 2;
      }
      socket.write(encodeCommand(["PING"]));
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      const lines = buffer.split("\r\n").filter(Boolean);
      const failure = lines.find((line) => line.startsWith("-"));
      if (failure || lines.length >= expectedReplies) {
        clearTimeout(timer);
        socket.end();
        resolve(failure ?? (lines[lines.length - 1] as string));
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const redisCheck: DoctorCheck = {
  id: "redis",
  label: "Redis",
  async run(env) {
    const raw = env.KFORGE_REDIS_URL ?? env.REDIS_URL ?? DEFAULT_URL;
    let url: URL;
    try {
      url = new URL(raw);
      if (url.protocol !== "redis:" && url.protocol !== "rediss:")
        throw new Error("not a redis:// or rediss:// URL");
    } catch (error) {
      return {
        id: "redis",
        label: "Redis",
        status: "error",
        summary: `invalid Redis URL in KFORGE_REDIS_URL/REDIS_URL (${error instanceof Error ? error.message : String(error)})`,
        hint: "Write it as redis://[user:password@]host:port or rediss:// for TLS.",
      };
    }
    const shown = redactUrl(url);
    try {
      const reply = await pingRedis(url);
      if (reply === "+PONG")
        return {
          id: "redis",
          label: "Redis",
          status: "ok",
          summary: `reachable at ${shown}`,
          details: { url: shown },
        };
      return {
        id: "redis",
        label: "Redis",
        status: "error",
        summary: `${shown} answered ${reply.slice(0, 80)}`,
        hint: "Check the credentials in KFORGE_REDIS_URL (redis://user:password@host:port).",
        details: { url: shown },
      };
    } catch (error) {
      return {
        id: "redis",
        label: "Redis",
        status: "missing",
        summary: `not reachable at ${shown} (${error instanceof Error ? error.message : String(error)})`,
        hint: "Only needed to spread evaluation over several GPU hosts through a Redis queue; set KFORGE_REDIS_URL to check one.",
        details: { url: shown },
      };
    }
  },
};
