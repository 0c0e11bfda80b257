/** Resources of one kernel as `ptxas -v` reported them. */
export interface PtxasFunctionReport {
  name: string;
  arch?: string;
  registers: number;
  barriers: number;
  sharedBytes: number;
  constantBytes: number;
  stackFrameBytes: number;
  spillStoreBytes: number;
  spillLoadBytes: number;
}

/**
 * Parses the `ptxas info` lines nvcc prints with `-Xptxas -v`. Each function's block starts at
 * "Compiling entry function 'X' for 'sm_90a'" (or "Function properties for X") and collects the
 * "Used N registers ... N bytes smem ..." and "N bytes stack frame, N bytes spill stores, N bytes spill loads"
 * lines that follow.
 */
export function parsePtxasReport(log: string): PtxasFunctionReport[] {
  const reports = new Map<string, PtxasFunctionReport>();
  let current: PtxasFunctionReport | undefined;
  const get = (name: string) => {
    let report = reports.get(name);
    if (!report) {
      report = {
        name,
        registers: 0,
        barriers: 0,
        sharedBytes: 0,
        constantBytes: 0,
        stackFrameBytes: 0,
        spillStoreBytes: 0,
        spillLoadBytes: 0,
      };
      reports.set(name, report);
    }
    return report;
  };
  for (const line of log.split("\n")) {
    const compiling = /Compiling entry function '([^']+)' for '([^']+)'/.exec(line);
    if (compiling) {
      current = get(compiling[1] as string);
      current.arch = compiling[2] as string;
      continue;
    }
    const properties = /Function properties for (\S+)/.exec(line);
    if (properties) {
      current = get(properties[1] as string);
      continue;
    }
    if (!current) continue;
    const stack = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (stack) {
      current.stackFrameBytes = Number(stack[1]);
      current.spillStoreBytes = Number(stack[2]);
      current.spillLoadBytes = Number(stack[3]);
      continue;
    }
    const used = /Used (\d+) registers/.exec(line);
    if (used) {
      current.registers = Number(used[1]);
      current.barriers = Number(/used (\d+) barriers/.exec(line)?.[1] ?? 0);
      current.sharedBytes = Number(/(\d+) bytes smem/.exec(line)?.[1] ?? 0);
      current.constantBytes = [...line.matchAll(/(\d+) bytes cmem\[\d+\]/g)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    }
  }
  return [...reports.values()];
}

/**
 * Bytes of module-level global memory (`__device__` variables) ptxas reported (`N bytes gmem`). A candidate
 * needs none: global state is the one place a kernel could keep results from one launch to the next.
 */
export function parseGlobalBytes(log: string): number {
  return [...log.matchAll(/(\d+) bytes gmem/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}
