import type { DimensionValue, KernelFamily } from "./kernel-family.js";

/** Options kept per dimension, keyed `<family>.<dimension>`: a sub-space of the families. */
export type DimensionRestrictions = Readonly<Record<string, readonly DimensionValue[]>>;

/**
 * The families with some dimensions narrowed to a subset of their options, e.g.
 * `{ "tensor-core-tile.reduction": ["cluster"] }`. Constraints and rendering are the family's own; only the
 * options that enumeration, sampling and policies see change. Throws, naming what is wrong, for an unknown
 * family, dimension or option, or for a restriction that keeps nothing.
 */
export function restrictFamilies(
  families: readonly KernelFamily[],
  restrictions: DimensionRestrictions,
): KernelFamily[] {
  const byFamily = new Map<string, Map<string, readonly DimensionValue[]>>();
  for (const [key, kept] of Object.entries(restrictions)) {
    const dot = key.indexOf(".");
    const familyName = key.slice(0, dot);
    const dimensionName = key.slice(dot + 1);
    const family = families.find((entry) => entry.name === familyName);
    if (dot <= 0 || !family) {
      throw new Error(
        `restriction "${key}" names no family in use; write <family>.<dimension> with a family among ${families.map((entry) => entry.name).join(", ")}`,
      );
    }
    const dimension = family.dimensions.find((entry) => entry.name === dimensionName);
    if (!dimension) {
      throw new Error(
        `restriction "${key}": ${familyName} has no dimension ${dimensionName}; its dimensions: ${family.dimensions.map((entry) => entry.name).join(", ")}`,
      );
    }
    if (kept.length === 0) throw new Error(`restriction "${key}" keeps no option`);
    const unknown = kept.filter((value) => !dimension.options.includes(value));
    if (unknown.length) {
      throw new Error(
        `restriction "${key}": ${unknown.map((value) => JSON.stringify(value)).join(", ")} not among the options ${dimension.options.map((value) => JSON.stringify(value)).join(", ")}`,
      );
    }
    const forFamily = byFamily.get(familyName) ?? new Map<string, readonly DimensionValue[]>();
    forFamily.set(dimensionName, kept);
    byFamily.set(familyName, forFamily);
  }
  return families.map((family) => {
    const narrowed = byFamily.get(family.name);
    if (!narrowed) return family;
    return {
      ...family,
      dimensions: family.dimensions.map((dimension) => {
        const kept = narrowed.get(dimension.name);
        return kept
          ? { ...dimension, options: dimension.options.filter((value) => kept.includes(value)) }
          : dimension;
      }),
      // Delegated rather than spread: a family may be a class instance whose methods live on its prototype.
      violates: (values, task, limits) => family.violates(values, task, limits),
      render: (values, task, limits) => family.render(values, task, limits),
      appliesTo: (task) => family.appliesTo(task),
    };
  });
}

/**
 * Restrictions from command-line flags `<family>.<dimension>=<option>|<option>...` (numeric options become
 * numbers). Throws, naming the flag and the expected form, for a flag without `=` or without options.
 */
export function parseRestrictionFlags(flags: readonly string[]): Record<string, (string | number)[]> {
  const restrictions: Record<string, (string | number)[]> = {};
  for (const flag of flags) {
    const equals = flag.indexOf("=");
    const options = flag
      .slice(equals + 1)
      .split("|")
      .filter((option) => option !== "");
    if (equals <= 0 || options.length === 0) {
      throw new Error(`restriction "${flag}": write <family>.<dimension>=<option>|<option>...`);
    }
    restrictions[flag.slice(0, equals)] = options.map((option) =>
      Number.isFinite(Number(option)) ? Number(option) : option,
    );
  }
  return restrictions;
}
