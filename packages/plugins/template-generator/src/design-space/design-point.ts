import { createHash } from "node:crypto";
import { stableStringify } from "@kernelforge/core";
import { z } from "zod";
import type { DesignValues } from "./kernel-family.js";

/** A point of the design space: a family and one option for each of its dimensions. */
export interface DesignPoint {
  family: string;
  values: DesignValues;
}

export const designPointSchema = z
  .object({ family: z.string().min(1), values: z.record(z.string(), z.union([z.string(), z.number()])) })
  .strict();

/** Canonical JSON of a point (keys sorted): equal points serialize equally. */
export function serializePoint(point: DesignPoint): string {
  return stableStringify(point);
}

/** Parses a serialized point, with a clear error when it is not one. */
export function parsePoint(text: string): DesignPoint {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a design point (invalid JSON: ${(error as Error).message})`);
  }
  const parsed = designPointSchema.safeParse(data);
  if (!parsed.success) throw new Error(`not a design point: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

/** A short stable hash of a point (16 hex characters of sha256 over its canonical JSON). */
export function pointHash(point: DesignPoint): string {
  return createHash("sha256").update(serializePoint(point)).digest("hex").slice(0, 16);
}
