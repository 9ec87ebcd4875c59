/** The errors of analysis templates: parameters a template does not take, and results it must not release. */
import { DatagoraError } from '../../errors';

/** A template's parameters are not ones it takes: the node refuses the job before anyone pays. */
export class TemplateParamsError extends DatagoraError {
  constructor(
    readonly template: string,
    problem: string,
    hint = `\`datagora templates\` describes the parameters ${template} takes; nothing was paid`,
  ) {
    super(`${template} template: ${problem}`, hint);
  }
}

/**
 * A template's result.json is not its fixed shape: the template misbehaved, or under `evaluate` the buyer's model
 * rewrote it. Nothing of it is released, and the message quotes none of it (it may hold the data).
 */
export class TemplateOutputError extends DatagoraError {
  constructor(
    readonly template: string,
    problem: string,
  ) {
    super(`the ${template} template's result was refused: ${problem}`, 'nothing was released; report it to the provider if the template ran unmodified');
  }
}
