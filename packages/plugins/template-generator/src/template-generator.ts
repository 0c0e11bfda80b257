import {
  API_VERSION,
  createCandidate,
  type GenerationCallOptions,
  type GenerationFailure,
  type GenerationRequest,
  type GenerationResult,
  type KernelCandidate,
  type KernelGenerator,
  pluginOptionsToken,
  taskKey,
} from "@kernelforge/core";
import { inject, injectable } from "inversify";
import { archLimits } from "./design-space/arch-limits.js";
import { pointHash } from "./design-space/design-point.js";
import { DesignSpace } from "./design-space/design-space.js";
import { createRandom, seedFrom } from "./design-space/random.js";
import { restrictFamilies } from "./design-space/restrict-family.js";
import { ALL_FAMILIES } from "./families/all-families.js";
import { GENERATOR_NAME, PLUGIN_NAME, type TemplateGeneratorOptions } from "./options.js";

/**
 * Samples points of the HGEMM design space and renders them to CUDA: uniformly over the valid points, or from a
 * design-space policy when the request carries one (the seam the GRPO plugin's policy plugs into). The same
 * seed, round and task always give the same candidates.
 */
@injectable()
export class TemplateGenerator implements KernelGenerator {
  readonly apiVersion = API_VERSION;
  readonly name = GENERATOR_NAME;
  readonly space: DesignSpace;

  constructor(
    @inject(pluginOptionsToken<TemplateGeneratorOptions>(PLUGIN_NAME)) options: TemplateGeneratorOptions,
  ) {
    const wanted = options.families;
    const unknown = wanted?.filter((name) => !ALL_FAMILIES.some((family) => family.name === name)) ?? [];
    if (unknown.length) {
      throw new Error(
        `unknown kernel families ${unknown.join(", ")}; known: ${ALL_FAMILIES.map((family) => family.name).join(", ")}`,
      );
    }
    const families = wanted ? ALL_FAMILIES.filter((family) => wanted.includes(family.name)) : ALL_FAMILIES;
    this.space = new DesignSpace(options.restrict ? restrictFamilies(families, options.restrict) : families);
  }

  async generate(request: GenerationRequest, options: GenerationCallOptions = {}): Promise<GenerationResult> {
    options.signal?.throwIfAborted();
    const { task } = request;
    const key = taskKey(task);
    const limits = archLimits(task.arch);
    const random = createRandom(seedFrom(request.seed, request.round, key));
    const samples = this.space.sample(task, limits, request.count, random, request.policy);
    const candidates: KernelCandidate[] = [];
    const failures: GenerationFailure[] = [];
    if (samples.length === 0) {
      failures.push({ code: "empty_space", reason: `no valid design point for ${key} on ${limits.arch}` });
    }
    for (const sample of samples) {
      options.signal?.throwIfAborted();
      const family = this.space.family(sample.point.family);
      try {
        const rendered = family.render(sample.point.values, task, limits);
        candidates.push(
          createCandidate({
            task,
            ...rendered,
            provenance: {
              generator: this.name,
              parentIds: [],
              configuration: {
                family: sample.point.family,
                values: sample.point.values,
                point: pointHash(sample.point),
              },
              ...(request.policy && sample.logProbability !== undefined
                ? {
                    policySample: {
                      policy: request.policy.version,
                      choices: sample.choices,
                      logProbability: sample.logProbability,
                    },
                  }
                : {}),
              createdAt: new Date().toISOString(),
            },
          }),
        );
      } catch (error) {
        failures.push({
          code: "render_failed",
          reason: `family ${family.name} could not render ${JSON.stringify(sample.point.values)}: ${(error as Error).message}`,
        });
      }
    }
    return { candidates, failures };
  }
}
