import { z } from "zod";

export const PLUGIN_NAME = "template-generator";
/** The generator's name, as `search.generator` selects it and provenance records it. */
export const GENERATOR_NAME = "template";

export const templateGeneratorOptionsSchema = z
  .object({
    /** Families to sample from (default: all that apply to a task). */
    families: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Dimensions narrowed to some of their options, keyed `<family>.<dimension>` (a sub-space to search), e.g.
     * `{ "tensor-core-tile.reduction": ["cluster"] }`.
     */
    restrict: z.record(z.string().min(1), z.array(z.union([z.string(), z.number()])).min(1)).optional(),
  })
  .strict();

export type TemplateGeneratorOptions = z.output<typeof templateGeneratorOptionsSchema>;
