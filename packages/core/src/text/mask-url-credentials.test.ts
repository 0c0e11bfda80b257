import { describe, expect, it } from "vitest";
import { maskUrlCredentials } from "./mask-url-credentials.js";

describe("maskUrlCredentials", () => {
  it("hides the password of every URL in a text, keeping the user, host and the rest", () => {
    expect(maskUrlCredentials("redis://kforge:s3cr%40t@cache.internal:6380/2")).toBe(
      "redis://kforge:***@cache.internal:6380/2",
    );
    expect(maskUrlCredentials('got "rediss://:hunter2@10.0.0.5" and http://a:b@c/d')).toBe(
      'got "rediss://:***@10.0.0.5" and http://a:***@c/d',
    );
  });

  it("leaves URLs without a password and plain text alone", () => {
    for (const text of ["redis://cache.internal:6379", "https://user@host/path", "no url: at all@here"]) {
      expect(maskUrlCredentials(text)).toBe(text);
    }
  });
});
