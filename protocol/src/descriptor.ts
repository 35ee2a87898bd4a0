import * as z from "zod";
import { functionNameSchema } from "./ids.js";
import { MAX_PACK_PATH_LENGTH, MAX_URL_LENGTH } from "./limits.js";
import { semverRangeSchema, semverSchema } from "./schemas/common.js";
import { whenString } from "./validation.js";

/** The file at the root of every function pack. */
export const DESCRIPTOR_FILE = "function-pack-descriptor.json";

/**
 * A path inside the release folder. Commands run with the release folder as
 * working directory, so a path that is absolute or climbs out with `..`
 * would run something the pack does not contain.
 */
export function packPathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.startsWith("/"))
    return `${JSON.stringify(path)} is absolute; paths are relative to the release folder`;
  if (path.includes("\\")) return `${JSON.stringify(path)} contains "\\"; use "/"`;
  if (path.includes("\u0000")) return `${JSON.stringify(path)} contains NUL`;
  if (path.split("/").some((segment) => segment === "..")) {
    return `${JSON.stringify(path)} leaves the release folder ("..")`;
  }
  return null;
}

/**
 * packPathProblem's rules as one ECMA-262 pattern, so the generated JSON
 * Schema carries them and the code's verdict is this very pattern: not empty,
 * not starting with `/`, no `\` or NUL anywhere, no `..` segment. Written to
 * mean the same with and without the `u` flag (JSON Schema validators such as
 * ajv compile patterns with it). A test checks it against packPathProblem.
 */
export const PACK_PATH_PATTERN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what the pattern refuses
  /^(?!\/)(?![\s\S]*[\\\u0000])(?!(?:[\s\S]*\/)?\.\.(?:\/|$))[\s\S]+$/;

export const packPathSchema = z
  .string()
  .max(MAX_PACK_PATH_LENGTH)
  .regex(PACK_PATH_PATTERN, {
    error: whenString(
      (path) => packPathProblem(path) ?? `${JSON.stringify(path)} is not a valid path`,
    ),
  })
  .meta({
    description:
      "Path relative to the release folder: 1-256 characters, not starting with '/', no '\\' or NUL, no '..' segment",
    examples: ["bin/start"],
  });

const timing = {
  timeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .default(30)
    .meta({ description: "Give up and call it unhealthy after this long" }),
  intervalSeconds: z
    .number()
    .min(0.1)
    .max(60)
    .default(1)
    .meta({ description: "Pause between attempts" }),
};

export const healthCheckSchema = z
  .union([
    z.strictObject({ command: packPathSchema, ...timing }),
    z.strictObject({
      http: z
        .string()
        .max(MAX_URL_LENGTH)
        .regex(/^https?:\/\/\S+$/, {
          error: whenString((input) => `${JSON.stringify(input)} is not an http(s) URL`),
        }),
      ...timing,
    }),
  ])
  .meta({ description: "Exit 0 of a command, or a 2xx answer of a URL, means healthy" });

/** A hook: one path, or a list run in the listed order (the first failure ends it). */
export const hookListSchema = z
  .union([packPathSchema, z.array(packPathSchema).min(1).max(16)])
  .meta({ description: "A path, or a list of 1-16 paths run in the listed order" });

/** Names of environment variables a recipe may set. */
export const RECIPE_ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]{0,63}$/;

export const recipeEnvNameSchema = z.string().regex(RECIPE_ENV_NAME_PATTERN, {
  error: whenString(
    (input) =>
      `${JSON.stringify(input)} is not an environment variable name (A-Z, 0-9, "_", not starting with a digit, at most 64)`,
  ),
});

/** The configuration a pack reads: what a recipe may set for it, and nothing else. */
export const recipeDeclarationSchema = z
  .strictObject({
    env: z.array(recipeEnvNameSchema).max(64).optional(),
    files: z.array(packPathSchema).max(32).optional(),
  })
  .meta({
    description:
      "Environment variables and files (relative to the release folder) a recipe may set for this pack",
  });

/**
 * `function-pack-descriptor.json`: written by pack authors, so its shape is
 * public and stable. Unknown keys are refused: a descriptor that relies on a
 * feature this agent does not know must not be half-understood.
 */
export const functionPackDescriptorSchema = z
  .strictObject({
    name: functionNameSchema,
    version: semverSchema,
    updatableFrom: semverRangeSchema.optional().meta({
      description:
        "Active versions this pack may replace; absent: any. Must also be a range node-semver accepts (semver.validRange), which JSON Schema cannot check",
    }),
    service: z.strictObject({
      start: packPathSchema,
      stop: packPathSchema.optional(),
      health: healthCheckSchema.optional(),
      unit: z
        .string()
        .regex(/^[A-Za-z0-9@._:-]{1,128}\.service$/, {
          error: whenString(
            (input) => `${JSON.stringify(input)} is not a systemd unit name ending in .service`,
          ),
        })
        .optional()
        .meta({ description: "systemd unit, when the agent runs with serviceManager systemd" }),
    }),
    hooks: z
      .strictObject({
        beforeInstall: hookListSchema.optional(),
        afterInstall: hookListSchema.optional(),
      })
      .optional(),
    // Issue 13, all optional: a descriptor without them means what it meant before.
    maintenance: z.enum(["self", "clients"]).optional().meta({
      description:
        "clients: a store server whose clients are the store's other workstations; during its update the agent puts the whole store in maintenance (scope store). Absent: self",
    }),
    strategy: z.enum(["stop-start", "hand-over"]).optional().meta({
      description:
        "hand-over: the new instance starts beside the old one, is health-checked, then the old one stops. Absent: stop-start",
    }),
    recipe: recipeDeclarationSchema.optional(),
  })
  .meta({
    title: "Function pack descriptor",
    description:
      "function-pack-descriptor.json at the root of every pack. Not expressed in this JSON Schema: updatableFrom must be a valid node-semver range; and the file itself must be a regular file of at most 1 MiB at the pack root",
  });

export type FunctionPackDescriptor = z.output<typeof functionPackDescriptorSchema>;
export type FunctionPackDescriptorInput = z.input<typeof functionPackDescriptorSchema>;
export type HealthCheck = z.output<typeof healthCheckSchema>;

/** The commands of a hook, in the order they run ([] when the descriptor has none). */
export function hookCommands(
  descriptor: FunctionPackDescriptor,
  which: "beforeInstall" | "afterInstall",
): string[] {
  const hook = descriptor.hooks?.[which];
  if (hook === undefined) return [];
  return typeof hook === "string" ? [hook] : [...hook];
}
