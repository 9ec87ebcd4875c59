/**
 * Uploads waiting for their listing. A publish stores and pins the ciphertext first and writes this record;
 * if the chain step then fails, publishing the same file again reuses the stored ciphertext instead of
 * uploading it again. The record holds the data key, so it lives under DATAGORA_HOME with mode 0600 and is
 * deleted as soon as the dataset is listed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FileProfile } from './files';

const recordSchema = z.object({
  contentCid: z.string(),
  contentSize: z.number().int().nonnegative(),
  chunkSize: z.number().int().positive(),
  plaintextSha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  dataKey: z.string().regex(/^[0-9a-f]{64}$/),
  profile: z.object({ format: z.string() }).loose(),
  datasetId: z.string().regex(/^\d+$/).optional(),
});

export interface PendingUpload {
  contentCid: string;
  contentSize: number;
  chunkSize: number;
  plaintextSha256: string;
  size: number;
  dataKey: Uint8Array;
  profile: FileProfile;
  /** The dataset id reserved for this upload, once it was. */
  datasetId?: bigint;
}

/** Pending uploads of one account on one chain, keyed by the file's path, size and modification time. */
export class UploadJournal {
  constructor(
    private readonly dir: string,
    private readonly scope: string,
  ) {}

  private fileFor(file: string): string {
    const stat = statSync(file);
    const key = createHash('sha256').update(`${this.scope}\n${path.resolve(file)}\n${stat.size}\n${stat.mtimeMs}`).digest('hex');
    return path.join(this.dir, `${key.slice(0, 32)}.json`);
  }

  find(file: string): PendingUpload | undefined {
    try {
      const record = recordSchema.parse(JSON.parse(readFileSync(this.fileFor(file), 'utf8')));
      const { datasetId, ...rest } = record;
      return { ...rest, dataKey: Uint8Array.from(Buffer.from(record.dataKey, 'hex')), profile: record.profile as FileProfile, ...(datasetId ? { datasetId: BigInt(datasetId) } : {}) };
    } catch {
      return undefined;
    }
  }

  save(file: string, upload: PendingUpload): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const record = { ...upload, dataKey: Buffer.from(upload.dataKey).toString('hex'), datasetId: upload.datasetId?.toString() };
    writeFileSync(this.fileFor(file), JSON.stringify(record), { mode: 0o600 });
  }

  remove(file: string): void {
    rmSync(this.fileFor(file), { force: true });
  }
}
