import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SealedUpload } from '@/lib/market/document';
import { UploadJournal } from '@/lib/market/journal';

describe('UploadJournal', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-journal-'));
    file = path.join(dir, 'data.csv');
    writeFileSync(file, 'a,b\n1,2\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const upload: SealedUpload = {
    contentCid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
    contentSize: 61,
    chunkSize: 1 << 20,
    plaintextSha256: 'ab'.repeat(32),
    size: 8,
    dataKey: new Uint8Array(32).fill(7),
    profile: { format: 'csv', rowCount: 1 },
  };

  it('keeps a reservation made while the upload was still running, then both', () => {
    const journal = new UploadJournal(path.join(dir, 'pending'), '31337:0xabc');
    expect(journal.find(file)).toEqual({});
    journal.save(file, { datasetId: 12n });
    expect(journal.find(file)).toEqual({ datasetId: 12n });
    journal.save(file, { datasetId: 12n, upload });
    expect(journal.find(file)).toEqual({ datasetId: 12n, upload });
    expect(statSync(path.join(dir, 'pending')).mode & 0o777).toBe(0o700);
    // Another account's journal does not see it; removing it leaves nothing behind.
    expect(new UploadJournal(path.join(dir, 'pending'), '31337:0xdef').find(file)).toEqual({});
    journal.remove(file);
    expect(journal.find(file)).toEqual({});
  });
});
