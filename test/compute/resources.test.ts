import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NvidiaSmiOutputError } from '@/lib/compute/errors';
import { detectResources, parseCudaVersion, parseNvidiaSmi } from '@/lib/compute/provider/resources';
import { DatagoraError } from '@/lib/errors';

// Real `nvidia-smi --query-gpu=name,memory.total,uuid,driver_version --format=csv,noheader,nounits` output.
const ONE_H100 = 'NVIDIA H100 80GB HBM3, 81559, GPU-5f3c1b2a-9d4e-4c7b-a1e2-3f4d5c6b7a80, 550.54.15\n';
const EIGHT_H100 = Array.from({ length: 8 }, (_, i) => `NVIDIA H100 80GB HBM3, 81559, GPU-0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e${String(i).padStart(2, '0')}, 535.161.08`).join('\n');
const MIXED = [
  'NVIDIA A100-SXM4-40GB, 40960, GPU-a1a1a1a1-b2b2-c3c3-d4d4-e5e5e5e5e5e5, 535.104.05',
  'NVIDIA L4, 23034, GPU-f0f0f0f0-e1e1-d2d2-c3c3-b4b4b4b4b4b4, 535.104.05',
  'NVIDIA H200, 143771, [N/A], 560.35.03',
].join('\r\n');

const BANNER = `
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
|   0  NVIDIA H100 80GB HBM3          On  |   00000000:19:00.0 Off |                    0 |
`;

/** What `fn` throws; fails the test if it returns. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseNvidiaSmi', () => {
  it('reads one H100', () => {
    expect(parseNvidiaSmi(ONE_H100)).toEqual([
      { model: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, uuid: 'GPU-5f3c1b2a-9d4e-4c7b-a1e2-3f4d5c6b7a80', driver: '550.54.15' },
    ]);
  });

  it('reads eight GPUs, one entry each, in order', () => {
    const gpus = parseNvidiaSmi(EIGHT_H100);
    expect(gpus).toHaveLength(8);
    expect(new Set(gpus.map((gpu) => gpu.model))).toEqual(new Set(['NVIDIA H100 80GB HBM3']));
    expect(gpus.map((gpu) => gpu.memoryMb)).toEqual(Array(8).fill(81559));
    expect(gpus[7]!.uuid).toBe('GPU-0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e07');
    expect(gpus.every((gpu) => gpu.driver === '535.161.08' && gpu.count === undefined)).toBe(true);
  });

  it('reads mixed models with CRLF line ends and leaves out fields nvidia-smi cannot report', () => {
    expect(parseNvidiaSmi(MIXED)).toEqual([
      { model: 'NVIDIA A100-SXM4-40GB', memoryMb: 40960, uuid: 'GPU-a1a1a1a1-b2b2-c3c3-d4d4-e5e5e5e5e5e5', driver: '535.104.05' },
      { model: 'NVIDIA L4', memoryMb: 23034, uuid: 'GPU-f0f0f0f0-e1e1-d2d2-c3c3-b4b4b4b4b4b4', driver: '535.104.05' },
      { model: 'NVIDIA H200', memoryMb: 143771, driver: '560.35.03' },
    ]);
  });

  it('gives memory 0 when it is not reported, and keeps a comma inside a name', () => {
    expect(parseNvidiaSmi('NVIDIA Custom, Rev 2, [N/A], GPU-1, 550.1\n')).toEqual([{ model: 'NVIDIA Custom, Rev 2', memoryMb: 0, uuid: 'GPU-1', driver: '550.1' }]);
  });

  it('reads no GPUs from empty output', () => {
    expect(parseNvidiaSmi('')).toEqual([]);
    expect(parseNvidiaSmi('\n\n')).toEqual([]);
  });

  it('rejects prose with a typed error and a hint', () => {
    const prose = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    expect(() => parseNvidiaSmi(prose)).toThrow(NvidiaSmiOutputError);
    const error = thrown(() => parseNvidiaSmi('No devices were found'));
    expect(error).toBeInstanceOf(DatagoraError);
    expect((error as DatagoraError).message).toMatch(/No devices were found/);
    expect((error as DatagoraError).hint).toMatch(/nvidia-smi --query-gpu/);
  });
});

describe('parseCudaVersion', () => {
  it('reads the CUDA version from the nvidia-smi banner', () => {
    expect(parseCudaVersion(BANNER)).toBe('12.4');
    expect(parseCudaVersion('no banner here')).toBeUndefined();
  });
});

describe('detectResources', () => {
  it('describes this machine', async () => {
    const resources = await detectResources();
    expect(Number.isInteger(resources.cpus)).toBe(true);
    expect(resources.cpus).toBeGreaterThanOrEqual(1);
    expect(resources.cpus).toBeLessThanOrEqual(os.availableParallelism());
    expect(resources.memoryMb).toBeGreaterThan(0);
    expect(resources.memoryMb).toBeLessThanOrEqual(Math.floor(os.totalmem() / 2 ** 20));

    const nvidiaDevices = readdirSync('/dev').filter((name) => name.startsWith('nvidia'));
    expect(resources.gpuDevices).toEqual(nvidiaDevices.sort().map((name) => `/dev/${name}`));
    if (nvidiaDevices.length === 0) {
      // No GPU here (the CI machine): nothing to offer, and no error either.
      expect(resources.gpus).toEqual([]);
    } else {
      for (const gpu of resources.gpus) expect(gpu.memoryMb).toBeGreaterThan(0);
    }

    for (const dir of resources.cudaLibraryDirs) {
      expect(path.isAbsolute(dir)).toBe(true);
      expect(realpathSync(dir)).toBe(dir);
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(readdirSync(dir).some((name) => /^(libcuda\.so|libcudart\.so|libnvidia-ml\.so)/.test(name))).toBe(true);
    }
    // Every CUDA library ldconfig knows of is covered.
    const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((file) => existsSync(file));
    const listed = ldconfig ? execFileSync(ldconfig, ['-p'], { encoding: 'utf8' }) : '';
    for (const match of listed.matchAll(/^\s*(libcuda\.so\S*|libcudart\.so\S*|libnvidia-ml\.so\S*) .*=> (\S+)$/gm)) {
      if (existsSync(match[2]!)) expect(resources.cudaLibraryDirs).toContain(realpathSync(path.dirname(match[2]!)));
    }
  });
});

/** This process's cgroup v1 directory for `controller`, if that hierarchy is mounted and writable. */
function writableCgroupV1(controller: string): string | undefined {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  const dir = line ? path.join('/sys/fs/cgroup', controller, line.split(':')[2]!) : undefined;
  if (!dir || !existsSync(dir)) return undefined;
  try {
    const probe = path.join(dir, `datagora-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return dir;
  } catch {
    return undefined;
  }
}

const memoryParent = writableCgroupV1('memory');
const cpuParent = writableCgroupV1('cpu');

describe('detectResources in a limited cgroup', () => {
  // Needs writable cgroup v1 memory and cpu hierarchies (root in this container); skipped elsewhere.
  (memoryParent && cpuParent && os.availableParallelism() >= 2 ? it : it.skip)('respects the memory limit and CPU quota of its cgroup', () => {
    const name = `datagora-resources-${process.pid}`;
    const memory = path.join(memoryParent!, name);
    const cpu = path.join(cpuParent!, name);
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'datagora-resources-'));
    mkdirSync(memory);
    mkdirSync(cpu);
    try {
      writeFileSync(path.join(memory, 'memory.limit_in_bytes'), String(768 * 2 ** 20));
      writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), '100000');
      writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), '100000'); // one CPU's worth
      const script = path.join(scratch, 'detect.ts');
      writeFileSync(script, `import { detectResources } from ${JSON.stringify(path.resolve(__dirname, '../../lib/compute/provider/resources'))};\ndetectResources().then((r) => process.stdout.write(JSON.stringify(r)));\n`);
      // The shell joins both cgroups, then becomes the Node process that detects.
      const child = spawnSync('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && echo $$ > "$2/cgroup.procs" && exec "$3" "$4" "$5"', 'sh', memory, cpu, process.execPath, require.resolve('tsx/cli'), script], { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      const detected = JSON.parse(child.stdout) as { cpus: number; memoryMb: number };
      expect(detected).toMatchObject({ cpus: 1, memoryMb: 768 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmdirSync(memory);
      rmdirSync(cpu);
    }
  });
});
