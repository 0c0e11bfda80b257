import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KernelForgeError } from "@kernelforge/core";
import { describe, expect, it } from "vitest";
import { connectionOptions, parseRedisUrl, redactRedisUrl, redactSecrets } from "./redis-url.js";

describe("parseRedisUrl", () => {
  it("reads host, port, ACL user, password, database and TLS", () => {
    expect(parseRedisUrl("redis://cache.internal")).toEqual({
      host: "cache.internal",
      port: 6379,
      database: 0,
      tls: false,
      redacted: "redis://cache.internal",
    });
    expect(parseRedisUrl("rediss://kforge:p%40ss%2Fw0rd@10.0.0.7:6380/3")).toEqual({
      host: "10.0.0.7",
      port: 6380,
      username: "kforge",
      password: "p@ss/w0rd",
      database: 3,
      tls: true,
      redacted: "rediss://kforge:***@10.0.0.7:6380/3",
    });
    expect(parseRedisUrl("redis://:only-a-password@[::1]:7000")).toMatchObject({
      host: "::1",
      port: 7000,
      password: "only-a-password",
      redacted: "redis://:***@[::1]:7000",
    });
  });

  it("refuses what is not a Redis URL, saying why and what is accepted, without showing the password", () => {
    const cases: [string, RegExp][] = [
      ["http://user:hunter2@cache:6379", /the scheme is http/],
      ["cache.internal:6379", /the scheme is cache\.internal/],
      ["redis://user:hunter2@cache:6379/queue", /not a database number/],
      ["not a url user:hunter2@", /does not parse/],
    ];
    for (const [text, why] of cases) {
      const error = (() => {
        try {
          parseRedisUrl(text);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(KernelForgeError);
      expect((error as KernelForgeError).code).toBe("invalid_redis_url");
      expect((error as KernelForgeError).message).toMatch(why);
      expect((error as KernelForgeError).message).not.toContain("hunter2");
      expect((error as KernelForgeError).hint).toContain("rediss://");
    }
  });
});

describe("redaction", () => {
  it("never shows a password, in a URL or in any text", () => {
    expect(redactRedisUrl("redis://admin:hunter2@host:6379/1")).toBe("redis://admin:***@host:6379/1");
    expect(redactRedisUrl("redis://host:6379")).toBe("redis://host:6379");
    const endpoint = parseRedisUrl("redis://admin:s%C3%A9cret%21@host");
    expect(redactSecrets("WRONGPASS for sécret! and s%C3%A9cret%21 via redis://a:b@c", endpoint)).toBe(
      "WRONGPASS for *** and *** via redis://a:***@c",
    );
    expect(redactSecrets("connect ECONNREFUSED 127.0.0.1:6379", undefined)).toBe(
      "connect ECONNREFUSED 127.0.0.1:6379",
    );
  });
});

describe("connectionOptions", () => {
  it("turns TLS on for rediss://, with the host as server name unless it is an IP address", () => {
    expect(connectionOptions(parseRedisUrl("redis://u:p@h:1/2"))).toMatchObject({
      host: "h",
      port: 1,
      db: 2,
      username: "u",
      password: "p",
    });
    expect(connectionOptions(parseRedisUrl("redis://h")).tls).toBeUndefined();
    expect(connectionOptions(parseRedisUrl("rediss://cache.example.com")).tls).toEqual({
      servername: "cache.example.com",
    });
    expect(connectionOptions(parseRedisUrl("rediss://10.1.2.3")).tls).toEqual({});
  });

  it("trusts a given certificate authority, and says so when it cannot be used", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "kforge-ca-"));
    const file = path.join(directory, "ca.pem");
    writeFileSync(file, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const options = connectionOptions(parseRedisUrl("rediss://cache.example.com"), { tlsCaFile: file });
    expect(String((options.tls as { ca: Buffer }).ca)).toContain("BEGIN CERTIFICATE");
    expect(() =>
      connectionOptions(parseRedisUrl("rediss://cache.example.com"), {
        tlsCaFile: path.join(directory, "none.pem"),
      }),
    ).toThrow(/cannot read the TLS certificate authority/);
    expect(() => connectionOptions(parseRedisUrl("redis://cache.example.com"), { tlsCaFile: file })).toThrow(
      /is not a rediss:\/\/ URL/,
    );
  });

  it("retries a dropped connection with a growing delay, at most 5 s", () => {
    const retry = connectionOptions(parseRedisUrl("redis://h")).retryStrategy as (attempt: number) => number;
    expect([1, 2, 3, 10, 100].map(retry)).toEqual([200, 400, 800, 5000, 5000]);
  });
});
