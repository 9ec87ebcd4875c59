/**
 * The CLI compiled: lib/cli and what it imports, bundled by esbuild into one CommonJS file under
 * node_modules/.cache (not committed), rebuilt when any file it was built from changes, and run with V8's code
 * cache. Loading TypeScript through tsx on every call cost ~2 s; checking the stamp costs a stat per source file.
 * `npm run cli` builds it if it is stale (npm's prestart, predev and pretest do: parallel test CLIs find it built).
 */
'use strict';
const { createHash } = require('node:crypto');
const { createRequire } = require('node:module');
const path = require('node:path');
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const vm = require('node:vm');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'node_modules', '.cache', 'datagora');
// Named after the checkout: the bundle holds its absolute paths, and node_modules may be shared (a link).
const checkout = createHash('sha256').update(root).digest('hex').slice(0, 12);
const bundleFile = path.join(outDir, `cli-${checkout}.cjs`);
const stampFile = path.join(outDir, `cli-${checkout}.stamp.json`);
const ENTRY = 'lib/cli/index.ts';

/**
 * Packages stay in node_modules and each loads on its first use, not at start-up: a command pays only for what
 * it touches (the Lit packages alone take ~0.5 s). An import with names compiles to
 * `var import_x = require("x")` and to property reads where the names are used; the proxy defers the require
 * to the first read. Imports without names (side effects) and default imports keep loading at once.
 */
const LAZY_REQUIRE = `function __lazyRequire(id) {
  let loaded;
  const load = () => (loaded ??= require(id));
  return new Proxy({}, {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}`;
/**
 * `import()` of a package left out (ESM-only ones among them) goes through this file's importModule: V8 drops
 * a script's dynamic-import callback when the script comes from a code cache (Node 20), so the bundle (run as a
 * vm script, loadCli) cannot call import() itself. esbuild writes every such call as import("specifier").
 */
const DYNAMIC_IMPORT = /(?<![\w$.])import\((?=")/g;
const IMPORT_MODULE = `var __importModule = require(${JSON.stringify(__filename)}).importModule;`;
const NAMED_PACKAGE_REQUIRE = /(\bimport_\w+ ?= ?)require\(("(?!node:)[^".][^"]*")\)/g;

/**
 * Bundled from their ES modules instead, with what they import: only the parts used are kept, and one file
 * loads much faster than hundreds. viem's CommonJS build loads all of viem and every chain (~0.2 s of CPU);
 * kubo-rpc-client's ES modules take ~0.3 s; zod and drizzle-orm (config, deployments, search) are 160 files.
 */
const BUNDLED_PACKAGES = ['viem', 'kubo-rpc-client', 'zod', 'drizzle-orm'];

const BUILD_ID_MARK = '//# datagora-build ';
const BUILD_ID_LENGTH = 32;

/** Files (relative to the root) whose [mtime, size] decide whether the bundle is current. */
function fileState(file) {
  const stat = statSync(path.join(root, file), { throwIfNoEntry: false });
  return stat ? [stat.mtimeMs, stat.size] : null;
}

function isCurrent() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    statSync(bundleFile);
  } catch {
    return false;
  }
  return Object.entries(stamp.inputs).every(([file, state]) => {
    const now = fileState(file);
    return now !== null && now[0] === state[0] && now[1] === state[1];
  });
}

const packagesExternal = {
  name: 'packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // The tsconfig's @/ paths are our own sources.
      if (args.path.startsWith('@/')) return undefined;
      const bundled = BUNDLED_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`)) || args.importer.includes(`${path.sep}node_modules${path.sep}`);
      return bundled ? undefined : { path: args.path, external: true };
    });
  },
};

/** Bundled modules see their own directory as __dirname (the indexer finds its migrations next to it). */
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const header = `const __dirname = ${JSON.stringify(path.dirname(args.path))}; const __filename = ${JSON.stringify(args.path)};\n`;
      return { contents: header + source, loader: 'ts' };
    });
  },
};

async function build() {
  const esbuild = require('esbuild');
  const started = Date.now();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20', // package.json's engines
    plugins: [packagesExternal, sourceDirname],
    // Scope hoisting renames a class whose name another module uses too; errors are named after their class.
    keepNames: true,
    // Fewer bytes to read and compile on every call; names stay (NAMED_PACKAGE_REQUIRE finds them).
    minifyWhitespace: true,
    minifySyntax: true,
    // Strict first: esbuild's own "use strict" comes after the banner, where it is no directive.
    banner: { js: `'use strict';\n${LAZY_REQUIRE}\n${IMPORT_MODULE}` },
    // Linked, not inline: bin/datagora turns source maps on only for DATAGORA_DEBUG stack traces.
    sourcemap: true,
    outfile: bundleFile,
    metafile: true,
    write: false,
    // Failures reject with every message; bin/datagora decides what to show.
    logLevel: 'silent',
  });
  mkdirSync(outDir, { recursive: true });
  // Our sources one by one; packages through the lockfile (npm ci starts with an empty node_modules anyway).
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
  const inputs = Object.fromEntries([...sources, path.relative(root, __filename), 'tsconfig.json', 'package-lock.json'].map((file) => [file, fileState(file)]));
  for (const output of result.outputFiles) {
    if (output.path !== bundleFile) {
      writeAtomically(output.path, output.text);
      continue;
    }
    const code = output.text.replace(NAMED_PACKAGE_REQUIRE, '$1__lazyRequire($2)').replace(DYNAMIC_IMPORT, '__importModule(');
    // Names this build for its code caches (loadCli), on a line of its own before the source map's.
    const mapLine = code.lastIndexOf('//# sourceMappingURL=');
    const id = createHash('sha256').update(code).digest('hex').slice(0, BUILD_ID_LENGTH);
    writeAtomically(bundleFile, `${code.slice(0, mapLine)}${BUILD_ID_MARK}${id}\n${code.slice(mapLine)}`);
  }
  // A source saved while the build read it leaves the stamp unwritten: the next call builds again.
  if (Object.values(inputs).every((state) => state !== null && state[0] < started)) writeAtomically(stampFile, JSON.stringify({ inputs }));
}

/** Concurrent first calls may build at once: each renames a complete file into place. */
function writeAtomically(file, contents) {
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, contents);
  renameSync(partial, file);
}

/** Builds the compiled CLI if it is missing or older than its sources; `building` is told first. */
async function ensureCliBundle(building = () => {}) {
  if (isCurrent()) return false;
  building();
  await build();
  return true;
}

/**
 * The compiled CLI's exports, compiled with V8's code cache for `command`: parsing and compiling the bundle,
 * then the functions a command runs, cost a read command ~0.2 s of CPU on every call. A command's cache holds
 * what its first run compiled (read commands run different code from --help, hence one per command), behind
 * the id of the build it was made from: V8 checks only that a cache's source has the same length, and a
 * rebuilt bundle must not run the last build's code. V8 refuses a cache made by another Node, and
 * `saveCodeCache` then writes it again. Debugging loads the bundle plainly, for its source maps.
 */
function loadCli(command) {
  if (process.env.DATAGORA_DEBUG) return { ...require(bundleFile), saveCodeCache() {} };
  // esbuild writes ASCII only (its default charset): read as Latin-1, without the cost of decoding UTF-8.
  const source = readFileSync(bundleFile, 'latin1');
  const mark = source.lastIndexOf(BUILD_ID_MARK);
  const id = source.slice(mark + BUILD_ID_MARK.length, mark + BUILD_ID_MARK.length + BUILD_ID_LENGTH);
  const cacheFile = path.join(outDir, `cli-${checkout}.${/^[a-z-]{1,20}$/.test(command ?? '') ? command : 'other'}.v8cache`);
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.subarray(0, BUILD_ID_LENGTH).toString('latin1') === id) cachedData = cache.subarray(BUILD_ID_LENGTH);
  } catch {
    // this command's first run since the cache was cleared
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundleFile, cachedData });
  const cli = { exports: {} };
  script.runInThisContext().call(cli.exports, cli.exports, createRequire(bundleFile), cli, bundleFile, outDir);
  return {
    ...cli.exports,
    saveCodeCache() {
      if (cachedData !== undefined && !script.cachedDataRejected) return;
      try {
        writeAtomically(cacheFile, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
      } catch {
        // Only speed is lost (a read-only or full disk): the command itself went through.
      }
    },
  };
}

/** The bundle's import(): a dynamic import from a module Node loaded itself, resolved from the root like the bundle's. */
const importModule = (specifier) => import(specifier);

module.exports = { ensureCliBundle, loadCli, importModule };

if (require.main === module) {
  const started = Date.now();
  ensureCliBundle()
    .then((built) => console.log(built ? `cli: compiled into ${path.relative(root, bundleFile)} in ${Date.now() - started} ms` : 'cli: up to date'))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
