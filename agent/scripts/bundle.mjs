#!/usr/bin/env node
/**
 * Builds the agent as ONE self-contained ES module: the CLI and everything it
 * imports (@tillroll/protocol, mqtt, zod, tar, …) in a single file that runs
 * with nothing but `node` (>= 20) beside it. The .deb ships it as
 * /usr/lib/tillroll-agent/tillroll-agent.mjs and the `tillroll-agent` function
 * pack (agent self-update) carries it.
 *
 * It bundles the compiled CLI (agent/dist/cli/main.js), so run `pnpm build`
 * first; the bundle is made on demand, never by `pnpm build` itself.
 *
 *   node agent/scripts/bundle.mjs [OUT_FILE]      (default agent/dist-bundle/tillroll-agent.mjs)
 *   pnpm --filter @tillroll/agent bundle
 *   import { buildAgentBundle } from "<repo>/agent/scripts/bundle.mjs";
 *   await buildAgentBundle("/tmp/x/tillroll-agent.mjs");  // → { outFile, bytes }
 */
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const AGENT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The compiled CLI the bundle starts from. */
export const AGENT_ENTRY = resolve(AGENT_DIR, "dist/cli/main.js");

/** Where `pnpm --filter @tillroll/agent bundle` writes the bundle (git-ignored). */
export const DEFAULT_BUNDLE = resolve(AGENT_DIR, "dist-bundle/tillroll-agent.mjs");

/**
 * Some dependencies are CommonJS and call `require` for Node's built-ins;
 * an ES module has no `require`, so the bundle makes one first.
 */
const REQUIRE_SHIM = [
  'import { createRequire as __tillrollCreateRequire } from "node:module";',
  "const require = __tillrollCreateRequire(import.meta.url);",
].join("\n");

/**
 * What the agent never runs, left out of the bundle: every byte of the
 * bundle's source stays in the agent's heap for as long as it runs (V8 keeps
 * the script to compile functions lazily), and a CommonJS package in it is
 * initialised when its importer is, used or not.
 *
 * - `ws`, `socks`, `worker-timers`: mqtt.js's WebSocket transport, SOCKS
 *   proxy and browser timers. The agent's config accepts mqtt:// and
 *   mqtts:// only (protocol's agent-config schema) and never sets
 *   `socksProxy` or `timerVariant`; the stub names what was asked if that
 *   changes.
 * - zod's error-message locales but English: `import { z } from "zod"`
 *   keeps the whole `z.locales` namespace; the agent never calls `z.config`.
 *
 * - `readable-stream` (mqtt.js's and bl's streams, with its polyfills
 *   abort-controller, event-target-shim, string_decoder: 140 KB): it is
 *   Node's own stream code published for browsers and older Nodes; in the
 *   bundle it is `node:stream`, which the agent loads anyway (about 1 MB
 *   less resident at idle).
 *
 * And what the agent runs rarely is loaded when first used, not at start:
 * - luxon (the protocol's maintenance-window calculus, with time zones):
 *   initialised on the first window the agent works out; an agent whose
 *   desired state has no window never runs it (about 0.7 MB resident).
 * mqtt.js's mqtts:// transport takes `tls.connect` when it is loaded; in the
 * bundle it gets a `connect` that requires `node:tls` on the first mqtts://
 * connection, so an agent on mqtt:// never loads TLS (with node:https, which
 * download/http-attempt.ts imports on the first https:// download: about
 * 2 MB less resident at idle, test/bench/README.md, footprint).
 *
 * Measured (2026-12-01): the bundle shrinks from 1.55 MB to 1.06 MB.
 */
const UNUSED_PACKAGES = ["ws", "socks", "worker-timers"];

const unusedCode = {
  name: "tillroll-agent-unused-code",
  setup(pluginBuild) {
    const packages = new RegExp(`^(${UNUSED_PACKAGES.join("|")})$`);
    pluginBuild.onResolve({ filter: packages }, (args) => ({
      path: args.path,
      namespace: "tillroll-unused",
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "tillroll-unused" }, (args) => ({
      contents: unusedPackageStub(args.path),
      loader: "js",
    }));
    pluginBuild.onResolve({ filter: /^readable-stream$/ }, () => ({
      path: "readable-stream",
      namespace: "tillroll-node-stream",
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "tillroll-node-stream" }, () => ({
      contents: 'module.exports = require("node:stream");',
      loader: "js",
    }));
    pluginBuild.onResolve({ filter: /^luxon$/ }, (args) =>
      args.namespace === "tillroll-lazy-luxon"
        ? undefined
        : { path: "luxon", namespace: "tillroll-lazy-luxon", pluginData: args.resolveDir },
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "tillroll-lazy-luxon" }, (args) => ({
      contents: LAZY_LUXON,
      loader: "js",
      // luxon resolves from where its importer (the protocol) is.
      resolveDir: args.pluginData,
    }));
    pluginBuild.onResolve({ filter: /^tls$/ }, (args) =>
      /[\\/]mqtt[\\/]build[\\/]lib[\\/]connect$/.test(args.resolveDir)
        ? { path: "tls", namespace: "tillroll-lazy-tls" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "tillroll-lazy-tls" }, () => ({
      contents: LAZY_TLS,
      loader: "js",
    }));
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core|mini)$/.test(args.resolveDir)
        ? { path: "zod-locales-en", namespace: "tillroll-zod-locales" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "tillroll-zod-locales" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      loader: "js",
      resolveDir: AGENT_DIR,
    }));
  },
};

/**
 * luxon for the protocol's window-calculus.ts, which imports `DateTime` and
 * `IANAZone` and reads them where it uses them (esbuild reads a CommonJS
 * module's exports at each use), so the getters load luxon on the first use:
 * esbuild runs a module that is `require`d only when it is first required.
 */
const LAZY_LUXON = `let luxon;
const load = () => (luxon ??= require("luxon"));
module.exports = {
  get DateTime() { return load().DateTime; },
  get IANAZone() { return load().IANAZone; },
};`;

/** `tls` for mqtt.js's connect/tls.js, which calls `tls.connect` only. */
const LAZY_TLS = `exports.connect = (...args) => require("node:tls").connect(...args);`;

/**
 * A CommonJS module standing in for a package the bundle leaves out. Its
 * importers read properties at load (mqtt.js's get-timer takes
 * `setInterval` from worker-timers), so reading is fine; calling or
 * constructing anything throws, naming the package and what was asked.
 */
function unusedPackageStub(name) {
  const why = `${name} is not in the tillroll-agent bundle (the agent speaks mqtt:// and mqtts:// only)`;
  return `const fail = (what) => { throw new Error(${JSON.stringify(why)} + ": " + what); };
const leftOut = (what) => new Proxy(function () {}, {
  get(_, key) {
    if (key === "__esModule" || key === "then" || typeof key === "symbol") return undefined;
    return leftOut(what + "." + String(key));
  },
  apply() { fail(what + "()"); },
  construct() { fail("new " + what); },
});
module.exports = leftOut(${JSON.stringify(name)});`;
}

/**
 * Writes the bundle to `outFile` (its folder is created) and returns its size.
 * Throws, naming the missing file, when the agent has not been built.
 * `entry`: another module bundled the same way (the bundle's tests).
 */
export async function buildAgentBundle(outFile = DEFAULT_BUNDLE, entry = AGENT_ENTRY) {
  try {
    await access(entry);
  } catch {
    throw new Error(`${entry} is missing: run \`pnpm build\` before bundling the agent`);
  }
  const target = resolve(outFile);
  await build({
    entryPoints: [entry],
    outfile: target,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Whitespace and syntax only: identifiers keep their names, so an error
    // message a till prints still names the function it came from.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    banner: { js: REQUIRE_SHIM },
    logLevel: "warning",
    plugins: [unusedCode],
  });
  return { outFile: target, bytes: (await stat(target)).size };
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  buildAgentBundle(process.argv[2]).then(
    ({ outFile, bytes }) => process.stdout.write(`${outFile} (${bytes} bytes)\n`),
    (error) => {
      process.stderr.write(`bundle: ${error.message}\n`);
      process.exit(1);
    },
  );
}
