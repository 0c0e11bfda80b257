import type { KernelFamily } from "../design-space/kernel-family.js";
import { hopperWarpSpecializedFamily } from "./hopper-warp-specialized.js";
import { skinnyFamily } from "./skinny.js";
import { tensorCoreTileFamily } from "./tensor-core-tile.js";

/** Every kernel family the template generator knows, in the order spaces list them. */
export const ALL_FAMILIES: readonly KernelFamily[] = [
  tensorCoreTileFamily,
  skinnyFamily,
  hopperWarpSpecializedFamily,
];
