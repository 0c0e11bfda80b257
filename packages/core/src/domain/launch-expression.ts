import { KernelForgeError } from "../errors/kernelforge-error.js";

/** Values a launch expression may name. */
export type ShapeVariables = Record<"M" | "N" | "K", number>;

/** A launch expression that cannot be evaluated; the message says why. */
export class LaunchExpressionError extends KernelForgeError {
  constructor(expression: string, problem: string) {
    super("invalid_launch_expression", `Launch expression ${JSON.stringify(expression)}: ${problem}`, {
      hint: "Use integers, M, N, K, + - * / %, parentheses, cdiv(a, b), min(a, b) and max(a, b).",
    });
  }
}

const MAX_LENGTH = 200;
const MAX_DEPTH = 32;

/**
 * Evaluates an integer launch expression such as `cdiv(N, 128)` or `min(8, K / 256) * 2` with M, N and K bound,
 * as written in a kernel file's `// kforge:launch` line or a generated launch block. Grammar: non-negative
 * integers, M, N, K, unary + and -, + - * / (integer division rounding down) %, parentheses, and the
 * functions cdiv(a, b) (ceiling division), min(a, b) and max(a, b). A hand-written recursive-descent parser
 * with bounded length and nesting: nothing reaches eval or Function.
 */
export function evaluateLaunchExpression(expression: string, variables: ShapeVariables): number {
  const fail = (problem: string): never => {
    throw new LaunchExpressionError(expression, problem);
  };
  if (expression.length > MAX_LENGTH) fail(`longer than ${MAX_LENGTH} characters`);
  const tokens = expression.match(/\d+|[A-Za-z_]\w*|[-+*/%(),]|\S/g) ?? [];
  if (tokens.length === 0) fail("is empty");
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position++];
    if (token === undefined) return fail("ends too early");
    if (expected !== undefined && token !== expected)
      return fail(`expected "${expected}" but found "${token}"`);
    return token;
  };
  const nested = <T>(work: () => T): T => {
    if (++depth > MAX_DEPTH) fail("is nested too deeply");
    const value = work();
    depth--;
    return value;
  };
  const primary = (): number =>
    nested(() => {
      const token = take();
      if (/^\d+$/.test(token)) return Number(token);
      if (token === "(") {
        const value = sum();
        take(")");
        return value;
      }
      if (token === "-") return -primary();
      if (token === "+") return primary();
      if (token === "M" || token === "N" || token === "K") return variables[token];
      if (token === "cdiv" || token === "min" || token === "max") {
        take("(");
        const a = sum();
        take(",");
        const b = sum();
        take(")");
        if (token === "cdiv") {
          if (b <= 0) return fail("cdiv by a number that is not positive");
          return Math.ceil(a / b);
        }
        return token === "min" ? Math.min(a, b) : Math.max(a, b);
      }
      if (/^[A-Za-z_]/.test(token)) {
        return fail(`unknown name "${token}" (use M, N, K, cdiv, min, max)`);
      }
      return fail(`unexpected "${token}"`);
    });
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
  if (!Number.isSafeInteger(value)) fail("does not give a safe integer");
  return value;
}
