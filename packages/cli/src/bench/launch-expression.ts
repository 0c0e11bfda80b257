import { KernelForgeError } from "@kernelforge/core";

/** Values an expression may name. */
export type ShapeVariables = Record<"M" | "N" | "K", number>;

/**
 * Evaluates an integer launch expression such as `cdiv(N, 128)` or `min(8, K / 256)` with M, N and K bound.
 * Grammar: integers, M/N/K, + - * / (integer division rounding down) %, parentheses, and the functions
 * cdiv(a, b) (ceiling division), min(a, b), max(a, b). A hand-written parser: nothing is passed to eval.
 */
export function evaluateLaunchExpression(text: string, variables: ShapeVariables): number {
  const tokens = text.match(/\d+|[A-Za-z_]\w*|[-+*/%(),]|\S/g) ?? [];
  let position = 0;
  const fail = (message: string): never => {
    throw new KernelForgeError(
      "invalid_launch_expression",
      `Launch expression ${JSON.stringify(text)}: ${message}`,
      {
        hint: "Use integers, M, N, K, + - * / %, parentheses, cdiv(a, b), min(a, b) and max(a, b).",
      },
    );
  };
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (token === undefined) return fail("ends too early");
    if (expected !== undefined && token !== expected)
      return fail(`expected "${expected}" but found "${token}"`);
    return token;
  };
  const primary = (): number => {
    const token = take();
    if (/^\d+$/.test(token)) return Number(token);
    if (token === "(") {
      const value = sum();
      take(")");
      return value;
    }
    if (token === "-") return -primary();
    if (token === "M" || token === "N" || token === "K") return variables[token];
    if (token === "cdiv" || token === "min" || token === "max") {
      take("(");
      const a = sum();
      take(",");
      const b = sum();
      take(")");
      if (token === "cdiv") {
        if (b <= 0) return fail("cdiv by a non-positive number");
        return Math.ceil(a / b);
      }
      return token === "min" ? Math.min(a, b) : Math.max(a, b);
    }
    return fail(`unknown name or symbol "${token}"`);
  };
  const product = (): number => {
    let value = primary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const operator = take();
      const right = primary();
      if (operator !== "*" && right === 0) fail("division by zero");
      value = operator === "*" ? value * right : operator === "/" ? Math.floor(value / right) : value % right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === "+" || peek() === "-") value = take() === "+" ? value + product() : value - product();
    return value;
  };
  const value = sum();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  if (!Number.isSafeInteger(value)) fail("is not an integer");
  return value;
}
