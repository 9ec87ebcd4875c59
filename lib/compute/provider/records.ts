/**
 * A node's records kept as one JSON file per job (0600, in a 0700 directory), each written whole — a crash leaves
 * the old file or the new one, never a mix — so a restarted node finds every job where it stood; a `change` event
 * per write feeds the Server-Sent Events of its API. The job queue and the federated sessions are both such stores.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class RecordStore<T extends { jobId: string }> extends EventEmitter<{ change: [T] }> {
  protected readonly records = new Map<string, T>();

  constructor(private readonly dir: string) {
    super();
    this.setMaxListeners(0);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (!/^\d+\.json$/.test(name)) continue;
      const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T;
      // Not through keep(): a subclass's fields do not exist yet while this constructor runs.
      this.records.set(record.jobId, record);
    }
  }

  get(jobId: string): T | undefined {
    return this.records.get(jobId);
  }

  /** Every record, oldest job first. */
  list(): T[] {
    return [...this.records.values()].sort((a, b) => Number(BigInt(a.jobId) - BigInt(b.jobId)));
  }

  /** Writes `record` whole and tells the listeners. */
  protected write(record: T): T {
    const file = path.join(this.dir, `${record.jobId}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 1), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.keep(record);
    this.emit('change', record);
    return record;
  }

  /** Holds a written `record` in memory. */
  protected keep(record: T): void {
    this.records.set(record.jobId, record);
  }
}
