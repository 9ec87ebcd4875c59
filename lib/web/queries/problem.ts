/** How the pages' queries say what could not be read: never a stack trace, always what an operator can do. */
import { BaseError } from 'viem';
import { DatagoraError } from '../../errors';

/** Something that could not be read, and what an operator can do about it. */
export interface Problem {
  message: string;
  hint: string;
}

/** `error` for a visitor: our errors with their own hint, any other with `hint`. */
export function problemOf(error: unknown, hint: string): Problem {
  if (error instanceof DatagoraError) return { message: error.message, hint: error.hint };
  // viem's full messages span many lines of request details; the short one is what a visitor needs.
  const message = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { message, hint };
}
