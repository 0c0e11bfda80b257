/**
 * nvcc target flags for an arch written `sm90`, `sm90a`, `sm80`...: machine code for exactly that device.
 * Hopper (sm90) is built as sm_90a so that wgmma and setmaxnreg are available; `-gencode` is used rather than
 * `-arch` because the shorthand also runs a plain sm_90 pass that rejects those instructions.
 */
export function archFlags(arch: string): string[] {
  const match = /^sm_?(\d{2,3})(a?)$/.exec(arch);
  if (!match) throw new Error(`unknown architecture ${JSON.stringify(arch)}; expected e.g. sm90 or sm80`);
  const number = match[1] as string;
  const accelerated = match[2] === "a" || number === "90" ? "a" : "";
  return [`-gencode=arch=compute_${number}${accelerated},code=sm_${number}${accelerated}`];
}

/** The arch name (`sm90`) for a compute capability as reported by a device (`9.0`). */
export function archFromComputeCapability(computeCapability: string): string {
  const match = /^(\d+)\.(\d+)$/.exec(computeCapability.trim());
  if (!match) throw new Error(`not a compute capability: ${JSON.stringify(computeCapability)}`);
  return `sm${match[1]}${match[2]}`;
}
