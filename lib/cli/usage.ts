import { createInterface } from 'node:readline/promises';
import type { ParseArgsConfig } from 'node:util';
import { DatagoraError } from '../errors';

/** Bad command-line usage. */
export class UsageError extends DatagoraError {
  constructor(message: string) {
    super(message, 'run `datagora help` for usage');
  }
}

/** A command that asks before it goes on was run without a terminal to ask on, and without --yes. */
export class ConfirmationRequiredError extends DatagoraError {
  constructor(situation: string) {
    super(`${situation}; there is no terminal to ask whether to go on`, 'pass --yes to go on without asking');
  }
}

/**
 * `args` with `--flag -3` written `--flag=-3` for the flags that take a value: parseArgs refuses a value that
 * starts with a dash as ambiguous, and a negative number must reach the flag's own check instead.
 */
export function withNegativeValues(args: readonly string[], options: ParseArgsConfig['options']): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const flag = arg.startsWith('--') ? options?.[arg.slice(2)] : undefined;
    if (flag?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/**
 * Asks `question` on the terminal ("[y/N]": only yes goes on); true at once when `yes` (--yes). Without a
 * terminal it refuses with ConfirmationRequiredError rather than wait for an answer no one will type.
 */
export async function confirm(situation: string, question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new ConfirmationRequiredError(situation);
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${situation}. ${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}
