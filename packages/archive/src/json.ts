/**
 * JSON for the archive's nested columns. Plain JSON turns NaN and ±Infinity into null and -0 into 0; a reward
 * component or a trainer metric can be any of those, so they are written as `{"$kfNumber": "NaN"}` (and
 * `"Infinity"`, `"-Infinity"`, `"-0"`) and read back as the number. An object whose only key is `$kfNumber`
 * is therefore reserved.
 */
const NUMBER_TAG = "$kfNumber";

const SPECIAL_NUMBERS: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-0": -0,
};

function specialNumberName(value: number): string | undefined {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (Object.is(value, -0)) return "-0";
  return undefined;
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (typeof entry !== "number") return entry;
    const name = specialNumberName(entry);
    return name === undefined ? entry : { [NUMBER_TAG]: name };
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, entry: unknown) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return entry;
    const keys = Object.keys(entry);
    if (keys.length !== 1 || keys[0] !== NUMBER_TAG) return entry;
    const name = (entry as Record<string, unknown>)[NUMBER_TAG];
    return typeof name === "string" && name in SPECIAL_NUMBERS ? SPECIAL_NUMBERS[name] : entry;
  });
}
