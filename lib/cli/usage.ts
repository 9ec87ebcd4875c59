import { DatagoraError } from '../errors';

/** Bad command-line usage. */
export class UsageError extends DatagoraError {
  constructor(message: string) {
    super(message, 'run `datagora help` for usage');
  }
}
