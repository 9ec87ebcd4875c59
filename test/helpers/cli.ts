/** The `datagora` CLI run to its end as a user runs it, against the test services. */
import { runCli } from './processes';
import { cliEnv, startTestServices, type TestServices } from './services';

export interface CliResult {
  code: number | null;
  /** Everything it printed (stdout and stderr interleaved). */
  output: string;
}

/** Runs `datagora args…` with `env` added to the environment and waits for it to exit. */
export async function cliResult(args: string[], env: Record<string, string>): Promise<CliResult> {
  const run = runCli(args, env);
  const code = await run.exit;
  return { code, output: run.output() };
}

export interface CliOnServices {
  /** The services, once the enclosing block's beforeAll has started them. */
  readonly services: TestServices;
  /** Runs `datagora args…` pointed at the services, with `extra` over their environment. */
  cli(args: string[], extra?: Record<string, string>): Promise<CliResult>;
}

/** Starts the test services before the enclosing block's tests (or the file's) and stops them after. */
export function cliOnServices(): CliOnServices {
  let services: TestServices | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    services = await startTestServices();
    env = cliEnv(services.config);
  });
  afterAll(() => services?.stop());
  return {
    get services() {
      if (!services) throw new Error('the test services are not started: read them in a test or a hook');
      return services;
    },
    cli: (args, extra = {}) => cliResult(args, { ...env, ...extra }),
  };
}
