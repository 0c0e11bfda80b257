import { z } from "zod";

const dim3Schema = z.tuple([
  z.number().int().positive(),
  z.number().int().positive(),
  z.number().int().positive(),
]);

/**
 * A TMA tensor map the harness must encode (with `cuTensorMapEncodeTiled`) and pass to the kernel as a
 * `__grid_constant__` parameter after the ABI's fixed parameters. Declarative: the candidate never builds
 * descriptors itself. Support arrives with the Hopper kernel family; evaluators that cannot honour a
 * request reject the candidate with a reason.
 */
export const tensorMapRequestSchema = z
  .object({
    operand: z.enum(["a", "b", "c", "workspace"]),
    box: z.array(z.number().int().positive()).min(1).max(5),
    swizzle: z.enum(["none", "32B", "64B", "128B"]),
    interleave: z.enum(["none", "16B", "32B"]).default("none"),
  })
  .strict();
export type TensorMapRequest = z.infer<typeof tensorMapRequestSchema>;

/** A tensor map of A, B or C with an [inner, outer] box: the kind a harness encodes (docs/kernel-abi.md §2.1). */
export type MatrixTensorMap = TensorMapRequest & { operand: "a" | "b" | "c"; box: [number, number] };

/** Whether a tensor map request is of the kind a harness encodes (not of the workspace, a two-dimensional box). */
export function isMatrixTensorMap(map: TensorMapRequest): map is MatrixTensorMap {
  return map.operand !== "workspace" && map.box.length === 2;
}

/**
 * How the harness launches a candidate: grid and block, dynamic shared memory, optional thread-block cluster,
 * and the host-side needs the candidate declares (a workspace, zeroed before every launch if asked, inside the
 * timed region; TMA tensor maps). See docs/kernel-abi.md.
 */
export const launchDescriptorSchema = z
  .object({
    grid: dim3Schema,
    block: dim3Schema,
    dynamicSharedBytes: z.number().int().nonnegative().default(0),
    cluster: dim3Schema.optional(),
    /** At most 4 GiB: a workspace is scratch for a reduction, not a second copy of the problem. */
    workspaceBytes: z
      .number()
      .int()
      .nonnegative()
      .max(4 * 1024 ** 3)
      .default(0),
    zeroWorkspace: z.boolean().default(false),
    tensorMaps: z.array(tensorMapRequestSchema).optional(),
  })
  .strict()
  .refine((launch) => launch.block[0] * launch.block[1] * launch.block[2] <= 1024, {
    message: "a block may hold at most 1024 threads",
    path: ["block"],
  });

export type LaunchDescriptor = z.output<typeof launchDescriptorSchema>;
export type LaunchDescriptorInput = z.input<typeof launchDescriptorSchema>;
