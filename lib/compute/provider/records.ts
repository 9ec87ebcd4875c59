/**
 * A node's records kept as one JSON file per job (0600, in a 0700 directory), each written whole — a crash leaves
 * the old file or the new one, never a mix — so a restarted node finds every job where it stood; a `change` event
 * per write feeds the Server-Sent Events of its API. The job queue and the federated sessions are both such stores.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
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

  /**
   * Answers with record `jobId` as Server-Sent Events: as `view` shows it (`event: status`), now and on every
   * change, until `ended` says it is over or the client goes.
   */
  stream(response: ServerResponse, jobId: string, view: (record: T) => unknown, ended: (record: T) => boolean): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const write = (record: T) => {
      response.write(`event: status\ndata: ${JSON.stringify(view(record))}\n\n`);
      if (ended(record)) {
        this.off('change', onChange);
        response.end();
      }
    };
    const onChange = (record: T) => {
      if (record.jobId === jobId) write(record);
    };
    this.on('change', onChange);
    response.on('close', () => this.off('change', onChange));
    write(this.records.get(jobId)!);
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
