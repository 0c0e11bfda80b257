export { type ParsedArguments, parseArguments } from "./arguments/parse-arguments.js";
export { UsageError } from "./arguments/usage-error.js";
export type { CliContext } from "./cli-context.js";
export type { CheckStatus, DoctorCheck, DoctorCheckResult } from "./doctor/doctor-check.js";
export { DOCTOR_CHECKS, runDoctorChecks } from "./doctor/doctor-checks.js";
export { main } from "./main.js";
export * from "./ui/index.js";
