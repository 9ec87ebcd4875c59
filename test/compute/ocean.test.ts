/**
 * Algorithms written for Ocean Protocol's compute-to-data, copied unchanged from oceanprotocol/c2d-examples
 * (fixtures/ocean/README.md), run as real paid jobs through a provider node and its sandbox: each finishes, its
 * outputs are released, and they hold what the example computes. Also the DDO every job finds at
 * /data/ddos/<id>: the dataset's public description, with nothing secret and no data rows in it.
 *
 * Inputs: line_counter.py counts the lines of the bed's compute-only patient vitals; logistic_regression.py
 * trains on the Iris CSV it was written for (fixtures/ocean/dataset_61_iris.csv), published compute-only;
 * grayscale.py converts a 64×48 colour PPM image made here, published under a download licence with a compute
 * price (a grey copy of an image is a copy, so it is no use on compute-only data).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allowEveryProvider, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';

const OCEAN = path.join(__dirname, 'fixtures', 'ocean');
const PYTHON = '/usr/bin/python3';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'datagora-ocean-'));

let bed: ComputeBed;

beforeAll(async () => {
  bed = await startComputeBed();
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

/** Runs `algorithm` on `datasetId` as the bed's buyer; expects it finished and released; returns where its results are. */
async function runReleased(datasetId: bigint, algorithm: string): Promise<{ out: string; outputs: string[]; log: string }> {
  const requested = await bed.client.request({ datasetId, algorithm, maxMinutes: 2 });
  const final = await bed.client.follow(requested.jobId);
  const out = tmp();
  const results = await bed.client.results(requested.jobId, out);
  const log = results.logs.map((file) => readFileSync(path.join(out, 'logs', file), 'utf8')).join('');
  // The log says why, should the job not have finished.
  expect({ status: final.status, reason: final.reason, log: final.status === 'finished' ? '' : log }).toEqual({ status: 'finished', reason: undefined, log: '' });
  expect(results.receipt.receipt).toMatchObject({ status: 'finished', exitCode: 0, delivered: true, datasetId: datasetId.toString() });
  return { out, outputs: results.outputs.sort(), log };
}

/** Runs `code` with the host's Python (Debian's numpy and Pillow) and returns its stdout parsed as JSON. */
function python<T>(code: string, ...args: string[]): T {
  const run = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as T;
}

test('line_counter.py finds the dataset through its DDO and counts its non-blank lines', async () => {
  const { out, outputs, log } = await runReleased(bed.datasetId, path.join(OCEAN, 'line_counter.py'));
  const lines = readFileSync(bed.dataFile, 'utf8').split('\n').filter((line) => line.trim() !== '').length;
  expect(outputs).toEqual(['result']);
  expect(readFileSync(path.join(out, 'outputs', 'result'), 'utf8')).toBe(String(lines));
  expect(log).toContain(`Reading json from /data/ddos/${bed.datasetId}`);
  expect(log).toContain(`"/data/inputs/${bed.datasetId}/0"`);
  expect(log).toContain(`number of non-blank lines found ${lines}`);
});

test('logistic_regression.py trains on Iris by its relative path and returns the pickled decision surface', async () => {
  const iris = await publishComputeOnly(bed.owner, path.join(OCEAN, 'dataset_61_iris.csv'), { title: 'Iris (OpenML 61)', tags: ['iris', 'benchmark'] });
  await allowEveryProvider(bed.owner, iris);
  const { out, outputs } = await runReleased(iris, path.join(OCEAN, 'logistic_regression.py'));
  expect(outputs).toEqual(['result']);
  const surface = python<{ shape: number[]; classes: number[]; corners: number[] }>(
    'import json, pickle, sys; z = pickle.load(open(sys.argv[1], "rb")); print(json.dumps({"shape": list(z.shape), "classes": sorted(set(int(v) for v in z.ravel())), "corners": [int(z[-1, 0]), int(z[0, -1])]}))',
    path.join(out, 'outputs', 'result'),
  );
  // A 0.02 mesh over sepal width 1.5–4.9 and length 3.8–8.4 (Iris's ranges widened by 0.5): 170 and 230 steps,
  // plus the far edge, which np.arange's float steps reach.
  expect(surface.shape).toEqual([171, 231]);
  expect(surface.classes).toEqual([0, 1, 2]);
  // Short and wide sepals are setosa (0); long and narrow ones are not.
  expect(surface.corners[0]).toBe(0);
  expect(surface.corners[1]).not.toBe(0);
});

/** A `width`×`height` binary PPM whose pixel (x, y) is (4x, 5y, 2(x + y)). */
function gradientPpm(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([4 * x, 5 * y, 2 * (x + y)], (y * width + x) * 3);
  return Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), pixels]);
}

test('grayscale.py turns an image dataset into a grey PNG', async () => {
  const image = path.join(tmp(), 'gradient.ppm');
  writeFileSync(image, gradientPpm(64, 48));
  const { datasetId } = await bed.owner.publish(image, { title: 'Colour gradient', tags: ['image'] }, { preset: 'commercial' }, { download: 5_000_000n, compute: 1_000_000n });
  await allowEveryProvider(bed.owner, datasetId);
  const { out, outputs } = await runReleased(datasetId, path.join(OCEAN, 'grayscale.py'));
  expect(outputs).toEqual(['grayscale.png']);
  const png = readFileSync(path.join(out, 'outputs', 'grayscale.png'));
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  // IHDR: 64×48, 8-bit, colour type 0 (greyscale).
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([64, 48, 8, 0]);
  const grey = python<number[]>('import json, sys; from PIL import Image; im = Image.open(sys.argv[1]); print(json.dumps([im.getpixel((x, y)) for x, y in [(0, 0), (63, 0), (0, 47), (63, 47), (20, 30)]]))', path.join(out, 'outputs', 'grayscale.png'));
  // Pillow's L = (299 R + 587 G + 114 B) / 1000, rounded.
  const luma = (x: number, y: number) => Math.round((299 * 4 * x + 587 * 5 * y + 114 * 2 * (x + y)) / 1000);
  expect(grey).toEqual([luma(0, 0), luma(63, 0), luma(0, 47), luma(63, 47), luma(20, 30)]);
});

test('matplotlib plots headless, and the PNG passes the guard on compute-only data', async () => {
  const algorithm = path.join(tmp(), 'plot.py');
  writeFileSync(
    algorithm,
    `import json, os
import matplotlib.pyplot as plt
import pandas as pd
did = json.loads(os.environ["DIDS"])[0]
pd.read_csv(f"data/inputs/{did}/0").groupby("patient_id")["heart_rate"].mean().plot.hist(bins=20)
plt.savefig("/data/outputs/heart_rate.png")
`,
  );
  const { out, outputs } = await runReleased(bed.datasetId, algorithm);
  expect(outputs).toEqual(['heart_rate.png']);
  const png = readFileSync(path.join(out, 'outputs', 'heart_rate.png'));
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  // matplotlib's default figure: 6.4 × 4.8 inches at 100 dpi.
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 480]);
});

test('every job finds its dataset’s public description at /data/ddos/<id>, read-only, working from /', async () => {
  const algorithm = path.join(tmp(), 'ddo.py');
  writeFileSync(
    algorithm,
    `import json, os, shutil
did = json.loads(os.environ["DIDS"])[0]
shutil.copy(f"/data/ddos/{did}", "/data/outputs/ddo.json")
report = {"cwd": os.getcwd(), "ddos": os.listdir("/data/ddos")}
report["mount"] = [line.split()[3].split(",")[0] for line in open("/proc/self/mounts") if line.split()[1] == "/data/ddos"]
json.dump(report, open("/data/outputs/sandbox.json", "w"))
`,
  );
  const { out, outputs } = await runReleased(bed.datasetId, algorithm);
  expect(outputs).toEqual(['ddo.json', 'sandbox.json']);
  const id = bed.datasetId.toString();
  expect(JSON.parse(readFileSync(path.join(out, 'outputs', 'sandbox.json'), 'utf8'))).toEqual({ cwd: '/', ddos: [id], mount: ['ro'] });

  const text = readFileSync(path.join(out, 'outputs', 'ddo.json'), 'utf8');
  const ddo = JSON.parse(text) as Record<string, unknown> & { metadata: Record<string, unknown>; services: Record<string, unknown>[]; service: { attributes: { main: Record<string, unknown> } }[] };
  const { document, terms } = await bed.buyer.getDataset(bed.datasetId);
  const { deployments } = bed.buyer;
  expect(ddo).toMatchObject({ id, version: '4.1.0', chainId: deployments.chainId, nftAddress: deployments.contracts.datasetRegistry });
  expect(ddo.metadata).toEqual({
    created: document.createdAt,
    updated: document.updatedAt,
    type: 'dataset',
    name: 'Vitals',
    description: '',
    tags: ['health'],
    author: document.publisher,
    license: terms.uri,
    additionalInformation: { licence: 'compute-only', format: 'csv', size: document.size, rowCount: document.rowCount, columns: document.columns, documentVersion: 1 },
  });
  expect(ddo.services).toEqual([expect.objectContaining({ type: 'compute', files: document.content.cid, compute: expect.objectContaining({ allowRawAlgorithm: true, allowNetworkAccess: false }) })]);
  expect(ddo.service[0]!.attributes.main).toMatchObject({ type: 'dataset', name: 'Vitals', files: [{ index: 0, contentType: 'text/csv', contentLength: String(document.size) }] });
  // Nothing of the key envelope, the plaintext's hash or the preview's rows.
  for (const secret of [document.key.ciphertext, document.key.dataToEncryptHash, document.plaintextSha256, document.preview!.content.split('\n')[1]!]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/"(key|preview|plaintextSha256|chunkSize|encryption)"/);
});
