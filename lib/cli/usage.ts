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

const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * `args` rewritten so that negative numbers reach the checks of the command instead of parseArgs, which takes
 * `--price -3` as ambiguous and `show -3` as an unknown option: a flag's negative value is written `--price=-3`,
 * and when a positional is a negative number every positional goes after `--`, in its order.
 */
export function withNegativeValues(args: readonly string[], options: ParseArgsConfig['options']): string[] {
  const takesValue = (arg: string) => {
    const option = arg.startsWith('--') ? options?.[arg.slice(2)] : Object.values(options ?? {}).find((o) => o.short !== undefined && arg === `-${o.short}`);
    return option?.type === 'string';
  };
  const flags: string[] = [];
  const positionals: string[] = [];
  let negative = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (takesValue(arg) && next !== undefined && (NEGATIVE_NUMBER.test(next) || !next.startsWith('-'))) {
      flags.push(`${arg}=${next}`);
      i++;
    } else if (NEGATIVE_NUMBER.test(arg)) {
      positionals.push(arg);
      negative = true;
    } else if (arg.startsWith('-')) flags.push(arg);
    else positionals.push(arg);
  }
  return negative || args.includes('--') ? [...flags, '--', ...positionals] : [...flags, ...positionals];
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
