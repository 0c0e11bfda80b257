/** Matrix and scalar math found in one kernel's machine code. */
export interface SassMathSummary {
  /** Tensor-core instructions with an fp32 accumulator (`HMMA.16816.F32`, `HGMMA.64x128x16.F32`). */
  matrixF32: number;
  /** Tensor-core instructions with an fp16 accumulator (`HMMA.16816.F16`, `HGMMA.64x64x16.F16`). */
  matrixF16: number;
  /** Warpgroup (Hopper) matrix instructions among them. */
  warpgroupMatrix: number;
  /** Scalar fp32 fused multiply-adds (`FFMA`). */
  scalarF32: number;
  /** Packed fp16 fused multiply-adds (`HFMA2`). */
  scalarF16: number;
  /** The accumulator the machine code shows: `f16` when any matrix instruction accumulates in fp16. */
  accumulator: "f32" | "f16" | "none";
}

/**
 * Reads the accumulator type from SASS (the text of `cuobjdump --dump-sass`), for one function or all.
 *
 * Tensor-core instructions carry the accumulator type right after their shape: `HMMA.16816.F32` (fp32
 * accumulate, fp16 inputs), `HMMA.16816.F32.BF16`, `HMMA.16816.F16` (fp16 accumulate), `HGMMA.64x128x16.F32`.
 * A kernel with any fp16-accumulating matrix instruction is `f16`. Without matrix instructions, a kernel whose
 * only multiply-adds are packed fp16 (`HFMA2` on real operands, no `FFMA`) is `f16`; one with `FFMA` is
 * `f32`; else `none`.
 */
export function summarizeSassMath(sass: string, functionName?: string): SassMathSummary {
  const text = functionName === undefined ? sass : functionSass(sass, functionName);
  const summary: SassMathSummary = {
    matrixF32: 0,
    matrixF16: 0,
    warpgroupMatrix: 0,
    scalarF32: 0,
    scalarF16: 0,
    accumulator: "none",
  };
  for (const match of text.matchAll(/\b(HMMA|HGMMA)\.([0-9x]+)\.(F32|F16)\b/g)) {
    if (match[3] === "F32") summary.matrixF32++;
    else summary.matrixF16++;
    if (match[1] === "HGMMA") summary.warpgroupMatrix++;
  }
  summary.scalarF32 = [...text.matchAll(/\bFFMA\b/g)].length;
  // ptxas also uses HFMA2.MMA with zero operands (`HFMA2.MMA R0, -RZ, RZ, 0, 0`) to set registers, in fp32
  // kernels too: those are moves, not fp16 arithmetic.
  summary.scalarF16 = [...text.matchAll(/\bHFMA2(?:\.MMA)?\s+R\d+,\s*(.*);/g)].filter(
    (match) => !/^-?RZ,\s*-?RZ\b/.test(match[1] ?? ""),
  ).length;
  if (summary.matrixF16 > 0) summary.accumulator = "f16";
  else if (summary.matrixF32 > 0) summary.accumulator = "f32";
  else if (summary.scalarF16 > 0 && summary.scalarF32 === 0) summary.accumulator = "f16";
  else if (summary.scalarF32 > 0) summary.accumulator = "f32";
  return summary;
}

/** The part of a SASS dump belonging to one function (`Function : name` up to the next `Function :`). */
export function functionSass(sass: string, functionName: string): string {
  const sections = sass.split(/\n(?=\s*Function : )/);
  const section = sections.find((part) =>
    new RegExp(`^\\s*Function : ${escapeRegExp(functionName)}\\s*$`, "m").test(part),
  );
  return section ?? "";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
