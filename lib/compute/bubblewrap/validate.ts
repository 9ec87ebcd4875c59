/** Checks a job before anything starts: its command, paths, environment and limits, and that its sources are readable. */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { SandboxJob, SandboxLimits } from '../engine';
import { SandboxJobError } from '../errors';
import { SANDBOX_USER } from './host';
import { LOG_TRUNCATED_MARKER } from './log';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses, with a SandboxJobError, a job the sandbox cannot run as given. */
export function validate(job: SandboxJob): void {
  const bad = (problem: string, hint: string) => new SandboxJobError(problem, hint);
  if (job.command.length === 0 || !job.command[0]) throw bad('the job has no command', 'pass the interpreter and the algorithm, e.g. ["/usr/bin/python3", "/data/transformations/algorithm.py"]');
  const paths = { inputs: job.inputs, ...(job.ddos !== undefined ? { ddos: job.ddos } : {}), algorithm: job.algorithm, outputs: job.outputs, logs: job.logs };
  for (const [label, value] of Object.entries(paths)) {
    if (!path.isAbsolute(value)) throw bad(`${label} must be an absolute path, got ${value}`, 'resolve it with path.resolve() first');
  }
  for (const name of Object.keys(job.env ?? {})) {
    if (!ENV_NAME.test(name)) throw bad(`"${name}" is not a valid environment variable name`, 'use letters, digits and underscores, not starting with a digit');
  }
  for (const value of [...Object.values(job.env ?? {}), ...job.command, ...Object.values(paths)]) {
    if (value.includes('\0')) throw bad('the command, a path or the environment contains a NUL byte', 'remove it');
  }
  const { limits } = job;
  const positive: (keyof SandboxLimits)[] = ['wallSeconds', 'memoryBytes', 'cpus', 'processes', 'outputBytes', 'logBytes'];
  for (const key of positive) {
    if (!Number.isFinite(limits[key]) || limits[key] <= 0) throw bad(`limits.${key} must be a positive number, got ${limits[key]}`, 'set every limit');
  }
  for (const key of ['memoryBytes', 'processes', 'outputBytes', 'logBytes'] as const) {
    if (!Number.isSafeInteger(limits[key])) throw bad(`limits.${key} must be a whole number, got ${limits[key]}`, 'round it');
  }
  if (limits.logBytes <= LOG_TRUNCATED_MARKER.length) throw bad(`limits.logBytes is too small (${limits.logBytes})`, 'allow at least a few KiB of logs');
  for (const device of job.gpu?.devices ?? []) {
    if (!/^\/dev\/[A-Za-z0-9_\-/]+$/.test(device) || device.includes('..')) throw bad(`${device} is not a device node under /dev`, 'pass /dev/nvidia* paths');
  }
  for (const dir of job.gpu?.libraryDirs ?? []) {
    if (!path.isAbsolute(dir) || dir.startsWith('/data')) throw bad(`${dir} is not an absolute library directory`, 'pass the CUDA library directories, e.g. /usr/lib/x86_64-linux-gnu');
  }
}

/** Whether uid/gid may read (and for directories, enter) `file`, from its mode bits. */
function readableBy(info: { uid: number; gid: number; mode: number; isDirectory(): boolean }, uid: number, gid: number): boolean {
  const need = info.isDirectory() ? 0o5 : 0o4;
  const bits = info.uid === uid ? (info.mode >> 6) & 7 : info.gid === gid ? (info.mode >> 3) & 7 : info.mode & 7;
  return (bits & need) === need;
}

/** Refuses missing inputs, DDOs, algorithm or GPU paths, and under a root node sources the sandbox user cannot read. */
export async function checkSources(job: SandboxJob, dropsPrivileges: boolean): Promise<void> {
  const inputs = await stat(job.inputs).catch(() => undefined);
  if (!inputs?.isDirectory()) throw new SandboxJobError(`the inputs directory ${job.inputs} does not exist`, 'create it and put the dataset in it');
  const algorithm = await stat(job.algorithm).catch(() => undefined);
  if (!algorithm?.isFile()) throw new SandboxJobError(`the algorithm ${job.algorithm} is not a file`, 'pass the path of the algorithm file');
  const sources: [string, Stats, string][] = [['inputs directory', inputs, job.inputs], ['algorithm', algorithm, job.algorithm]];
  if (job.ddos !== undefined) {
    const ddos = await stat(job.ddos).catch(() => undefined);
    if (!ddos?.isDirectory()) throw new SandboxJobError(`the DDO directory ${job.ddos} does not exist`, 'create it and write each input’s DDO in it, named by the input’s id');
    sources.push(['DDO directory', ddos, job.ddos]);
  }
  if (path.basename(job.algorithm).startsWith('.')) throw new SandboxJobError(`the algorithm's name ${path.basename(job.algorithm)} starts with a dot`, 'give it a plain name such as algorithm.py');
  for (const item of [...(job.gpu?.devices ?? []), ...(job.gpu?.libraryDirs ?? [])]) {
    if (!(await stat(item).catch(() => undefined))) throw new SandboxJobError(`${item} does not exist`, 'pass only the GPU devices and library directories this machine has');
  }
  if (!dropsPrivileges) return;
  const { uid, gid } = SANDBOX_USER;
  for (const [what, info, where] of sources) {
    if (!readableBy(info, uid, gid)) {
      throw new SandboxJobError(
        `the ${what} ${where} is not readable by the sandbox user (uid ${uid})`,
        `make it readable by uid/gid ${uid}, e.g. \`chmod o+rX\` or \`chgrp -R ${gid}\` with group read (the directories above it need not be)`,
      );
    }
  }
}
