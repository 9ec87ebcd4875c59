/** Errors of lineage: proving a derivative's parents before it is published. No Node imports: the browser proves too. */
import { DatagoraError } from '../errors';

/** A derivative's lineage cannot be proven as given: its content is not what the parent's job released, say. */
export class LineageError extends DatagoraError {}
