/**
 * Publishes waiting for their listing. A publish records the ciphertext it stored and pinned, and the dataset id
 * it reserved, as each is done; if a later step fails, publishing the same file again reuses them instead of
 * uploading or reserving again. The record holds the data key, so it lives under DATAGORA_HOME with mode 0600
 * and is deleted as soon as the dataset is listed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SealedUpload } from './document';
import type { FileProfile } from './files';

const uploadSchema = z.object({
  contentCid: z.string(),
  contentSize: z.number().int().nonnegative(),
  chunkSize: z.number().int().positive(),
  plaintextSha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  dataKey: z.string().regex(/^[0-9a-f]{64}$/),
  profile: z.object({ format: z.string() }).loose(),
});
const recordSchema = z.object({ upload: uploadSchema.optional(), datasetId: z.string().regex(/^\d+$/).optional() });


/** What an unfinished publish of a file has done so far. */
export interface PendingPublish {
  upload?: SealedUpload;
  /** The dataset id it reserved. */
  datasetId?: bigint;
}

/** Pending publishes of one account on one chain, keyed by the file's path, size and modification time. */
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

  /** The record of `file`; empty when there is none, or none this version can read. */
  find(file: string): PendingPublish {
    try {
      const { upload, datasetId } = recordSchema.parse(JSON.parse(readFileSync(this.fileFor(file), 'utf8')));
      return {
        ...(upload ? { upload: { ...upload, dataKey: Uint8Array.from(Buffer.from(upload.dataKey, 'hex')), profile: upload.profile as FileProfile } } : {}),
        ...(datasetId ? { datasetId: BigInt(datasetId) } : {}),
      };
    } catch {
      return {};
    }
  }

  save(file: string, { upload, datasetId }: PendingPublish): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const record = { upload: upload && { ...upload, dataKey: Buffer.from(upload.dataKey).toString('hex') }, datasetId: datasetId?.toString() };
    writeFileSync(this.fileFor(file), JSON.stringify(record), { mode: 0o600 });
  }

  remove(file: string): void {
    rmSync(this.fileFor(file), { force: true });
  }
}
