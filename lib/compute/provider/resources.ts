/**
 * What a provider node can offer compute jobs: CPUs, memory, NVIDIA GPUs, and the device nodes and CUDA
 * libraries a GPU job's sandbox must be given. Detection never throws: a machine without GPUs, without
 * nvidia-smi or without a cgroup limit is an ordinary answer.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NvidiaSmiOutputError } from '../errors';

/** One NVIDIA GPU (or, with `count`, several identical ones). */
export interface GpuInfo {
  /** Marketing name as nvidia-smi prints it, e.g. "NVIDIA H100 80GB HBM3". */
  model: string;
  /** Total memory in MiB (0 when nvidia-smi cannot tell). */
  memoryMb: number;
  /** How many identical GPUs this entry stands for; absent means one. */
  count?: number;
  uuid?: string;
  /** Driver version, e.g. "550.54.15". */
  driver?: string;
  /** Highest CUDA version the driver supports, e.g. "12.4". */
  cuda?: string;
}

/** A provider machine's capacity for compute jobs. */
export interface Resources {
  /** CPUs this process may use: the affinity mask, lowered by a cgroup CPU quota. */
  cpus: number;
  /** Memory in MiB: physical memory, lowered by a cgroup memory limit. */
  memoryMb: number;
  /** One entry per GPU nvidia-smi lists; empty without GPUs or without a working driver. */
  gpus: GpuInfo[];
  /** NVIDIA device nodes (/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, ...) a GPU sandbox must bind. */
  gpuDevices: string[];
  /** Existing directories (real paths) holding libcuda.so*, libcudart* or libnvidia-ml*. */
  cudaLibraryDirs: string[];
}

/** The query detectResources runs; parseNvidiaSmi reads its output. */
export const NVIDIA_SMI_QUERY = ['--query-gpu=name,memory.total,uuid,driver_version', '--format=csv,noheader,nounits'] as const;

/** nvidia-smi's placeholders for a field it cannot report, e.g. "[N/A]", "[Not Supported]". */
const UNKNOWN = /^\[.*\]$|^N\/A$/i;

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total,uuid,driver_version --format=csv,noheader,nounits`:
 * one GPU per line. Pure. Throws NvidiaSmiOutputError on a line with fewer than four fields.
 */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < 4) throw new NvidiaSmiOutputError(line);
    // The last three fields never hold commas; a name could, so it takes whatever is left.
    const [memory, uuid, driver] = fields.slice(-3) as [string, string, string];
    const model = fields.slice(0, -3).join(', ');
    if (model === '' || UNKNOWN.test(model)) throw new NvidiaSmiOutputError(line);
    const memoryMb = /^\d+(\.\d+)?$/.test(memory) ? Math.round(Number(memory)) : 0;
    const gpu: GpuInfo = { model, memoryMb };
    if (uuid !== '' && !UNKNOWN.test(uuid)) gpu.uuid = uuid;
    if (driver !== '' && !UNKNOWN.test(driver)) gpu.driver = driver;
    gpus.push(gpu);
  }
  return gpus;
}

/** The "CUDA Version: 12.4" from plain `nvidia-smi`'s banner, or undefined. Pure. */
export function parseCudaVersion(banner: string): string | undefined {
  return /CUDA Version:\s*(\d+(?:\.\d+)*)/.exec(banner)?.[1];
}

/** Detects this machine's CPUs, memory, GPUs, GPU device nodes and CUDA library directories. Never throws. */
export async function detectResources(): Promise<Resources> {
  const [gpus, cudaLibraryDirs] = await Promise.all([detectGpus(), detectCudaLibraryDirs()]);
  return { cpus: detectCpus(), memoryMb: detectMemoryMb(), gpus, gpuDevices: detectGpuDevices(), cudaLibraryDirs };
}

/** stdout of `file args`, or undefined if it is missing, fails or takes longer than `timeoutMs`. */
function run(file: string, args: readonly string[], timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

async function detectGpus(): Promise<GpuInfo[]> {
  const [csv, banner] = await Promise.all([run('nvidia-smi', NVIDIA_SMI_QUERY), run('nvidia-smi', [])]);
  if (csv === undefined) return [];
  let gpus: GpuInfo[];
  try {
    gpus = parseNvidiaSmi(csv);
  } catch (error) {
    // A driver in a bad state can print prose with exit code 0: that machine has no usable GPU.
    if (error instanceof NvidiaSmiOutputError) return [];
    throw error;
  }
  const cuda = banner === undefined ? undefined : parseCudaVersion(banner);
  return cuda === undefined ? gpus : gpus.map((gpu) => ({ ...gpu, cuda }));
}

function detectCpus(): number {
  const available = os.availableParallelism();
  const quota = cgroupCpuQuota();
  return quota === undefined ? available : Math.max(1, Math.min(available, Math.ceil(quota)));
}

function detectMemoryMb(): number {
  const limit = cgroupMemoryLimit();
  const bytes = limit === undefined ? os.totalmem() : Math.min(os.totalmem(), limit);
  return Math.floor(bytes / 2 ** 20);
}

/** Reads a small text file, or undefined. */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * This process's cgroup paths: "" for the unified v2 hierarchy, else per v1 controller. Inside a cgroup
 * namespace the paths are "/" and the limits sit at the mount's root, so both places are read.
 */
function cgroupPaths(): { v2?: string; v1: Map<string, string> } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of (readText('/proc/self/cgroup') ?? '').split('\n')) {
    const [id, controllers, cgroupPath] = line.split(':');
    if (cgroupPath === undefined) continue;
    if (id === '0' && controllers === '') v2 = cgroupPath;
    else for (const controller of (controllers ?? '').split(',')) v1.set(controller, cgroupPath);
  }
  return { v2, v1 };
}

/** The candidate files for a cgroup setting: the process's own cgroup, then the mount's root. */
function cgroupFiles(root: string, cgroupPath: string | undefined, file: string): string[] {
  const files = cgroupPath ? [path.join(root, cgroupPath, file)] : [];
  files.push(path.join(root, file));
  return [...new Set(files)];
}

/** Lowest memory limit set on this process's cgroup (v2 memory.max or v1 memory.limit_in_bytes), in bytes. */
function cgroupMemoryLimit(): number | undefined {
  const { v2, v1 } = cgroupPaths();
  const limits: number[] = [];
  for (const file of [
    ...cgroupFiles('/sys/fs/cgroup', v2, 'memory.max'),
    ...cgroupFiles('/sys/fs/cgroup/memory', v1.get('memory'), 'memory.limit_in_bytes'),
  ]) {
    const text = readText(file);
    // "max" (v2) or a page-rounded 2^63 (v1) mean no limit.
    if (text === undefined || !/^\d+$/.test(text)) continue;
    const bytes = Number(text);
    if (bytes > 0 && bytes < 2 ** 60) limits.push(bytes);
  }
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** CPUs' worth of time this cgroup may use (v2 cpu.max or v1 cfs quota/period), if limited. */
function cgroupCpuQuota(): number | undefined {
  const { v2, v1 } = cgroupPaths();
  const quotas: number[] = [];
  for (const file of cgroupFiles('/sys/fs/cgroup', v2, 'cpu.max')) {
    const [quota, period] = (readText(file) ?? '').split(/\s+/);
    if (quota && period && /^\d+$/.test(quota) && /^\d+$/.test(period) && Number(period) > 0) quotas.push(Number(quota) / Number(period));
  }
  const v1Path = v1.get('cpu');
  for (const root of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const dirs = [...new Set([v1Path ? path.join(root, v1Path) : root, root])];
    for (const dir of dirs) {
      const quota = Number(readText(path.join(dir, 'cpu.cfs_quota_us')));
      const period = Number(readText(path.join(dir, 'cpu.cfs_period_us')));
      if (quota > 0 && period > 0) quotas.push(quota / period); // -1 means unlimited
    }
  }
  return quotas.length === 0 ? undefined : Math.min(...quotas);
}

function detectGpuDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((name) => name.startsWith('nvidia'))
      .sort()
      .map((name) => `/dev/${name}`);
  } catch {
    return [];
  }
}

/** Library files a CUDA job needs from the host: the driver API, the runtime, and NVML. */
const CUDA_LIBRARY = /^(libcuda\.so|libcudart\.so|libnvidia-ml\.so)/;

/** Directories where CUDA and the driver's libraries usually live, besides what ldconfig knows. */
function commonCudaDirs(): string[] {
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const dirs = [`/usr/lib/${multiarch}`, '/usr/lib64', '/usr/lib', '/usr/lib/wsl/lib', `/usr/local/nvidia/lib64`];
  try {
    for (const name of readdirSync('/usr/local').sort()) {
      if (name === 'cuda' || name.startsWith('cuda-')) dirs.push(`/usr/local/${name}/lib64`, `/usr/local/${name}/lib`, `/usr/local/${name}/compat`);
    }
  } catch {
    // no /usr/local: nothing to add
  }
  return dirs;
}

/** Directories from `ldconfig -p` lines like "libcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12". */
function ldconfigDirs(output: string): string[] {
  const dirs: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
    if (match && CUDA_LIBRARY.test(match[1]!)) dirs.push(path.dirname(match[2]!));
  }
  return dirs;
}

async function detectCudaLibraryDirs(): Promise<string[]> {
  // ldconfig is often in /sbin, which an unprivileged PATH may lack.
  const listing = (await run('ldconfig', ['-p'])) ?? (await run('/sbin/ldconfig', ['-p'])) ?? '';
  const found = new Set<string>();
  for (const dir of [...ldconfigDirs(listing), ...commonCudaDirs()]) {
    try {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      if (!readdirSync(dir).some((name) => CUDA_LIBRARY.test(name))) continue;
      found.add(realpathSync(dir));
    } catch {
      // unreadable directory: not one a sandbox could use either
    }
  }
  return [...found].sort();
}
