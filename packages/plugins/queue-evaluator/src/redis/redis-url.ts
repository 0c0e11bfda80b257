import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { describeError, KernelForgeError, maskUrlCredentials } from "@kernelforge/core";
import type { RedisOptions } from "ioredis";

/** Where Redis is and how to log in, read from a `redis://` or `rediss://` URL. */
export interface RedisEndpoint {
  host: string;
  port: number;
  /** ACL user (Redis 6+); absent for the default user. */
  username?: string;
  password?: string;
  /** Database number, from the URL's path (`/2`); 0 when absent. */
  database: number;
  /** `rediss://`: TLS, with the host name checked against the certificate. */
  tls: boolean;
  /** The URL with the password replaced by `***`: the only form of it that is ever printed. */
  redacted: string;
}

export const REDIS_URL_FORMS =
  "redis://[[user]:password@]host[:port][/db], or rediss://… for TLS (the password percent-encoded)";

/** The URL with its password replaced by `***`, safe to print (also for text that is not a valid URL). */
export function redactRedisUrl(url: string | URL): string {
  if (typeof url === "string") {
    try {
      return redactRedisUrl(new URL(url));
    } catch {
      // Not a URL: hide anything written like credentials (`user:secret@`), with or without a scheme.
      return maskUrlCredentials(url).replace(/[^\s/@*]*:[^\s/@*]+@/g, "***@");
    }
  }
  const copy = new URL(url.href);
  if (copy.password) copy.password = "***";
  return copy.href.replace(/\/$/, "");
}

/**
 * Reads a Redis URL. Throws a KernelForgeError (`invalid_redis_url`) showing the URL redacted and the forms
 * that are accepted.
 */
export function parseRedisUrl(text: string): RedisEndpoint {
  const shown = redactRedisUrl(text.trim());
  const invalid = (why: string) =>
    new KernelForgeError("invalid_redis_url", `not a usable Redis URL: ${shown} (${why})`, {
      hint: `Write it as ${REDIS_URL_FORMS}.`,
    });
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalid("it does not parse as a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw invalid(`the scheme is ${url.protocol.replace(/:$/, "")}, not redis or rediss`);
  }
  if (!url.hostname) throw invalid("it names no host");
  const port = url.port ? Number(url.port) : 6379;
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) throw invalid(`the path /${path} is not a database number`);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw invalid("the user or password is not properly percent-encoded");
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    database: path === "" ? 0 : Number(path),
    tls: url.protocol === "rediss:",
    redacted: redactRedisUrl(url),
  };
}

/**
 * Removes the endpoint's password from text that may contain it (an error from the client, a log line), in
 * plain and percent-encoded form, and masks any credentials written in a URL.
 */
export function redactSecrets(text: string, endpoint: Pick<RedisEndpoint, "password"> | undefined): string {
  let clean = maskUrlCredentials(text);
  const password = endpoint?.password;
  if (password) {
    // As given, percent-encoded as a URL usually carries it, and with every character but letters and digits
    // encoded (`!` as %21).
    const everyCharacter = [...password]
      .map((character) =>
        /[A-Za-z0-9]/.test(character)
          ? character
          : [...new TextEncoder().encode(character)]
              .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
              .join(""),
      )
      .join("");
    const forms = [password, encodeURIComponent(password), everyCharacter].sort(
      (a, b) => b.length - a.length,
    );
    for (const form of new Set(forms)) clean = clean.split(form).join("***");
  }
  return clean;
}

export interface ConnectionSettings {
  /** PEM file of the certificate authority that signed the server's certificate (`rediss://` with a private CA). */
  tlsCaFile?: string | undefined;
}

/**
 * The ioredis options for an endpoint. `rediss://` turns TLS on (the server's certificate checked against the
 * host name, sent as SNI unless it is an IP address, and `tlsCaFile` as the trusted authority when given). The client retries with a growing delay
 * (up to 5 s) when the connection drops.
 */
export function connectionOptions(endpoint: RedisEndpoint, settings: ConnectionSettings = {}): RedisOptions {
  let ca: Buffer | undefined;
  if (settings.tlsCaFile) {
    if (!endpoint.tls) {
      throw new KernelForgeError(
        "invalid_redis_url",
        `a TLS certificate authority is set but ${endpoint.redacted} is not a rediss:// URL`,
        { hint: "Use rediss://… to connect with TLS, or leave tlsCaFile out." },
      );
    }
    try {
      ca = readFileSync(settings.tlsCaFile);
    } catch (error) {
      throw new KernelForgeError(
        "redis_tls_ca_unreadable",
        `cannot read the TLS certificate authority ${settings.tlsCaFile}: ${describeError(error)}`,
        { hint: "Point tlsCaFile at a PEM file readable by this user." },
      );
    }
  }
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.database,
    ...(endpoint.username ? { username: endpoint.username } : {}),
    ...(endpoint.password ? { password: endpoint.password } : {}),
    ...(endpoint.tls
      ? { tls: { ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }), ...(ca ? { ca } : {}) } }
      : {}),
    retryStrategy: (attempt: number) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)),
  };
}
