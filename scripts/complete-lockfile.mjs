/**
 * Adds the lockfile entries npm leaves out when the registry it reached serves only this machine's
 * platform builds (the CI mirror answers 404 for darwin/win32/arm packages): without them `npm ci`
 * refuses the lockfile ("Missing: … from lock file"). Each missing optional dependency gets an
 * `optional` entry; npm skips it on platforms it does not fit. Run after every `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const file = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${location === '' ? '' : `${location}/`}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    packages[`node_modules/${name}`] = { version, optional: true };
    added++;
  }
}
const sorted = Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
lock.packages = Object.fromEntries(sorted);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} optional platform entries added`);
