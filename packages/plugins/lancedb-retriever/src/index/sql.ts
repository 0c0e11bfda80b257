/** A SQL string literal: single quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A column reference, quoted so that its case is kept. */
export function column(name: string): string {
  return `\`${name}\``;
}

/** `column IN ('a', 'b')` for a non-empty list of values. */
export function inList(name: string, values: readonly string[]): string {
  return `${column(name)} IN (${values.map(sqlString).join(", ")})`;
}

/** Splits values into groups of at most `size`, to keep each SQL statement short. */
export function batches<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < values.length; start += size) out.push(values.slice(start, start + size));
  return out;
}

/**
 * The filter of a search: sources starting with any of the prefixes, and (AND) tags sharing any of the given
 * ones; undefined when there is no restriction. Prefixes and tags are quoted as SQL strings.
 */
export function searchFilter(
  sources: readonly string[] | undefined,
  tags: readonly string[] | undefined,
): string | undefined {
  const clauses: string[] = [];
  if (sources !== undefined && sources.length > 0) {
    if (!sources.includes("")) {
      clauses.push(
        `(${sources.map((prefix) => `starts_with(${column("source")}, ${sqlString(prefix)})`).join(" OR ")})`,
      );
    }
  }
  if (tags !== undefined && tags.length > 0) {
    clauses.push(`array_has_any(${column("tags")}, make_array(${tags.map(sqlString).join(", ")}))`);
  }
  return clauses.length === 0 ? undefined : clauses.join(" AND ");
}
