import { evaluateLaunchExpression, LaunchExpressionError } from "@kernelforge/core";
import { describe, expect, it } from "vitest";

const shape = { M: 1000, N: 4096, K: 512 };

describe("evaluateLaunchExpression", () => {
  it.each([
    ["128", 128],
    ["M", 1000],
    ["cdiv(N,128)", 32],
    ["cdiv(M, 128)", 8],
    ["cdiv(M,128) * cdiv(N,128)", 256],
    ["2*64*128*2", 32768],
    ["min(8, K / 256)", 2],
    ["max(1, (M + 127) / 128)", 8],
    ["N - 2 * (K + 1)", 3070],
    ["-M + 1001", 1],
    ["7 / 2", 3],
    [" ( ( K ) ) ", 512],
  ])("%s = %i", (expression, expected) => {
    expect(evaluateLaunchExpression(expression, shape)).toBe(expected);
  });

  it.each([
    ["", "is empty"],
    ["BM * 2", 'unknown name "BM"'],
    ["cdiv(N)", 'expected ","'],
    ["(M + 1", "ends too early"],
    ["M + 1)", 'unexpected ")"'],
    ["M / 0", "division by zero"],
    ["cdiv(M, 0)", "cdiv by a number that is not positive"],
    ["M ** 2", 'unexpected "*"'],
    ["process.exit(1)", 'unknown name "process"'],
    ["M; 1", 'unexpected ";"'],
    ["1.5", 'unexpected "."'],
    ["99999999 * 99999999 * 99999999", "safe integer"],
    [`${"(".repeat(40)}1${")".repeat(40)}`, "nested too deeply"],
  ])("rejects %j (%s)", (expression, message) => {
    expect(() => evaluateLaunchExpression(expression, shape)).toThrow(LaunchExpressionError);
    expect(() => evaluateLaunchExpression(expression, shape)).toThrow(message);
  });
});
