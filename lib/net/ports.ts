import { createServer } from 'node:net';
import { DatagoraError } from '../errors';

/** A port the market needs is taken by another process. */
export class PortInUseError extends DatagoraError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly variable: string,
    readonly component: string,
  ) {
    super(
      `port ${port} on ${host} (${component}) is already in use`,
      `stop whatever listens there, or set ${variable} to a free port (e.g. ${variable}=${port + 1})`,
    );
  }
}

/** Resolves if `port` can be bound on `host`; throws PortInUseError naming `variable` otherwise. */
export function assertPortFree(host: string, port: number, variable: string, component: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(host, port, variable, component) : error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
