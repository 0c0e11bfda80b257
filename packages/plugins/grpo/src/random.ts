import { createHash } from "node:crypto";

/** A seeded pseudo-random stream: the same seed gives the same numbers on every platform. */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, bound). */
  integer(bound: number): number;
}

/**
 * A 32-bit seed derived from any parts (the first four bytes of their sha256), so that independent streams
 * (per choice, per task, per round) follow from one run seed and never depend on the order of creation.
 */
export function deriveSeed(...parts: readonly (string | number)[]): number {
  const digest = createHash("sha256").update(parts.map(String).join("\u0000")).digest();
  return digest.readUInt32LE(0);
}

/** A small-state chaotic generator (four 32-bit words, add-rotate-xor) seeded through `deriveSeed`. */
export function createRng(seed: number): Rng {
  const digest = createHash("sha256")
    .update(`rng:${seed >>> 0}`)
    .digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let counter = digest.readUInt32LE(12);
  const next32 = (): number => {
    const result = (((a + b) >>> 0) + counter) >>> 0;
    counter = (counter + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + result) >>> 0;
    return result;
  };
  for (let warm = 0; warm < 12; warm++) next32();
  const uniform = (): number => {
    // 53 random bits: 27 from one draw, 26 from the next.
    const high = next32() >>> 5;
    const low = next32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  };
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = uniform();
    while (u <= Number.MIN_VALUE) u = uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal, integer: (bound) => Math.floor(uniform() * bound) };
}
