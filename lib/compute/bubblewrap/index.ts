/**
 * The bubblewrap engine: a buyer's algorithm runs in a bubblewrap sandbox on this machine, with no network,
 * nothing of the host but read-only /usr, the dataset (read-only at /data/inputs, its DDO at /data/ddos), the
 * algorithm (read-only at /data/transformations) and two size-limited writable areas (/data/outputs, /data/logs),
 * working directory /, as an unprivileged user, under memory, CPU, process and time limits. Every process of the
 * job is gone when runInSandbox (run.ts) resolves.
 *
 * How, when the node runs as root (a provider node): bwrap sets up the namespaces and mounts as root, then
 * setpriv drops to the dedicated sandbox user (uid/gid 65534) with no capabilities and no_new_privs before the
 * algorithm starts; limits come from child cgroups of the node's own cgroups (v1 or v2, whichever is writable)
 * plus prlimit; outputs and logs are staged on private tmpfs mounts and copied out after the run, regular files
 * only (links could otherwise make the node read host files as "outputs").
 * When it runs unprivileged (a developer's machine, CI): bwrap in a user namespace as the caller's own uid, and
 * whatever of the above needs no privilege; `SandboxResult.enforced` says which mechanism held each limit.
 */
import type { ComputeEngine } from '../engine';
import { sandboxSupport } from './probe';
import { runInSandbox } from './run';

export { SANDBOX_USER } from './host';
export { LOG_TRUNCATED_MARKER } from './log';
export { sweepStaleSandboxes } from './sweep';
export { runInSandbox, sandboxSupport };

export const bubblewrap: ComputeEngine = { name: 'bubblewrap', support: sandboxSupport, run: runInSandbox };
