import { Container, type ServiceIdentifier } from "inversify";
import type { KernelForgeConfig } from "../config/config-schema.js";
import { KernelForgeError } from "../errors/kernelforge-error.js";
import { RunEventBus } from "../events/run-events.js";
import { TOKENS } from "./tokens.js";

/** A container with the config and the event bus bound; plugins are loaded into it with `loadPlugins`. */
export function createContainer(
  config: KernelForgeConfig,
  eventBus: RunEventBus = new RunEventBus(),
): Container {
  const container = new Container({ defaultScope: "Singleton" });
  container.bind(TOKENS.config).toConstantValue(config);
  container.bind(TOKENS.eventBus).toConstantValue(eventBus);
  return container;
}

/** Every implementation bound to an extension point (an empty list when none is). */
export function resolveAll<Service>(container: Container, token: ServiceIdentifier<Service>): Service[] {
  return container.isBound(token) ? container.getAll(token) : [];
}

/**
 * The implementation of an extension point chosen by name, or the only one when `name` is undefined.
 * Throws a KernelForgeError listing what is available when the choice is missing or ambiguous.
 */
export function resolveNamed<Service extends { name: string }>(
  container: Container,
  token: ServiceIdentifier<Service>,
  name: string | undefined,
  what: string,
): Service {
  const all = resolveAll(container, token);
  const names = all.map((service) => service.name);
  if (name !== undefined) {
    const chosen = all.find((service) => service.name === name);
    if (!chosen) {
      throw new KernelForgeError(
        "implementation_not_found",
        `No ${what} named ${JSON.stringify(name)} is loaded`,
        {
          hint: names.length
            ? `Loaded: ${names.join(", ")}.`
            : `Add a plugin that provides a ${what} to \`plugins\`.`,
        },
      );
    }
    return chosen;
  }
  if (all.length === 1) return all[0] as Service;
  if (all.length === 0) {
    throw new KernelForgeError("implementation_not_found", `No ${what} is loaded`, {
      hint: `Add a plugin that provides a ${what} to \`plugins\` in the config.`,
    });
  }
  throw new KernelForgeError(
    "implementation_ambiguous",
    `Several ${what}s are loaded (${names.join(", ")})`,
    {
      hint: `Choose one by name in the config.`,
    },
  );
}
