/**
 * Loads ESM-only packages (Helia, multiformats, kubo-rpc-client…) from our CommonJS build. Each package is
 * imported once and imports run one after another: concurrent first imports that share dependencies trip
 * jest's module linker ("not in cache"), and the cache saves repeated resolution everywhere else.
 */
let queue: Promise<unknown> = Promise.resolve();
const loaded = new Map<string, Promise<unknown>>();

/** The module `load` imports, cached under `name` (the package specifier). */
export function loadEsm<T>(name: string, load: () => Promise<T>): Promise<T> {
  let loading = loaded.get(name) as Promise<T> | undefined;
  if (!loading) {
    loading = queue.then(load);
    queue = loading.catch(() => undefined);
    loaded.set(name, loading);
  }
  return loading;
}
