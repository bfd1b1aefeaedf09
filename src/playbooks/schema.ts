/**
 * Playbooks are data: YAML validated here, then compiled to a machine by src/engine. Conditions are declarative
 * path lookups (no eval). Action ids are logical; the transport is chosen when planning.
 */
import { z } from "zod";

export const predicateSchema = z.union([
  z.object({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
  z
    .object({ path: z.string().min(1), in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
    .strict(),
  z.object({ path: z.string().min(1), exists: z.boolean() }).strict(),
]);

export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    action: z.string().regex(/^[a-zA-Z]+\.[a-zA-Z]+$/, "a logical action id such as inboxRule.disable"),
    description: z.string().optional(),
    /** Run the step only when this holds on `{ hit, target }`. */
    if: predicateSchema.optional(),
  })
  .strict();

export const playbookSchema = z
  .object({
    apiVersion: z.literal("mailwarden/v1"),
    kind: z.literal("Playbook"),
    metadata: z
      .object({
        id: z.string().regex(/^[a-z][a-z0-9-]*$/),
        version: z.number().int().positive(),
        description: z.string().optional(),
      })
      .strict(),
    trigger: z
      .object({
        targets: z.array(z.enum(["inboxRule", "mailboxForwarding", "transportRule", "delegation"])).min(1),
      })
      .strict(),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type Playbook = z.output<typeof playbookSchema>;
export type PlaybookStep = z.output<typeof stepSchema>;
export type Predicate = z.output<typeof predicateSchema>;
