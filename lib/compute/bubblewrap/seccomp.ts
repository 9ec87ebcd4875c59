/** The syscall filter bwrap installs before the algorithm starts. */
import os from 'node:os';

/** Syscall numbers the filter needs, per architecture (audit arch → numbers). */
const SYSCALLS: Record<string, { arch: number; clone: number; unshare: number; clone3: number; unavailable: number[] }> = {
  // keyctl family, perf_event_open, bpf, userfaultfd, io_uring: kernel surface no algorithm needs.
  x64: { arch: 0xc000003e, clone: 56, unshare: 272, clone3: 435, unavailable: [248, 249, 250, 298, 321, 323, 425, 426, 427] },
  arm64: { arch: 0xc00000b7, clone: 220, unshare: 97, clone3: 435, unavailable: [217, 218, 219, 241, 280, 282, 425, 426, 427] },
};

/**
 * A seccomp program (classic BPF, as bwrap --seccomp reads it) that refuses new user namespaces: under a root
 * node the algorithm runs in the host's user namespace, where it could otherwise make one and hold every
 * capability inside it, a large kernel attack surface. clone3 answers ENOSYS (its flags cannot be inspected, and
 * libc then falls back to clone); syscalls of other ABIs (x32, i386) are refused. Undefined on other CPUs.
 */
export function syscallFilter(): Buffer | undefined {
  const table = SYSCALLS[process.arch];
  if (!table) return undefined;
  const LD_W_ABS = 0x20;
  const JEQ = 0x15;
  const JGE = 0x35;
  const JSET = 0x45;
  const RET = 0x06;
  const ALLOW = 0x7fff0000;
  const errno = (code: number) => 0x00050000 | code;
  const { EPERM, ENOSYS } = os.constants.errno;
  const CLONE_NEWUSER = 0x10000000;
  // Instructions with symbolic jump targets, resolved below.
  type Op = { code: number; k: number; jt?: string; jf?: string; label?: string };
  const program: Op[] = [
    { code: LD_W_ABS, k: 4 }, // arch
    { code: JEQ, k: table.arch, jf: 'eperm' },
    { code: LD_W_ABS, k: 0 }, // syscall number
    { code: JGE, k: 0x40000000, jt: 'eperm' }, // x32 ABI
    { code: JEQ, k: table.clone3, jt: 'enosys' },
    ...table.unavailable.map((nr): Op => ({ code: JEQ, k: nr, jt: 'enosys' })),
    { code: JEQ, k: table.unshare, jt: 'flags' },
    { code: JEQ, k: table.clone, jt: 'flags' },
    { code: RET, k: ALLOW },
    { code: LD_W_ABS, k: 16, label: 'flags' }, // low 32 bits of the first argument
    { code: JSET, k: CLONE_NEWUSER, jt: 'eperm' },
    { code: RET, k: ALLOW },
    { code: RET, k: errno(ENOSYS), label: 'enosys' },
    { code: RET, k: errno(EPERM), label: 'eperm' },
  ];
  const at = new Map(program.flatMap((op, index) => (op.label ? [[op.label, index] as const] : [])));
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((op, index) => {
    const jump = (label?: string) => (label === undefined ? 0 : at.get(label)! - index - 1);
    buffer.writeUInt16LE(op.code, index * 8);
    buffer.writeUInt8(jump(op.jt), index * 8 + 2);
    buffer.writeUInt8(jump(op.jf), index * 8 + 3);
    buffer.writeUInt32LE(op.k >>> 0, index * 8 + 4);
  });
  return buffer;
}
