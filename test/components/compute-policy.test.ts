/**
 * The compute policy in the publish wizard and on the dataset page: the three policies in the words the CLI
 * prints, compute-only data defaulting to templates (k 10), what the wizard hands the publish action, the fields
 * it refuses, and the page's policy, release budget and templates.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DatasetCompute } from '@/components/dataset/dataset-compute';
import { INITIAL_POLICY, PolicyFields, policyProblems, policySummary, publishPolicy, type PolicyForm } from '@/components/publish/compute-policy';
import { DEFAULT_JOB_RELEASE_BYTES, defaultComputePolicy, POLICY_WORDS } from '@/lib/compute/policy';
import type { ComputePolicy } from '@/lib/metadata';
import type { Providers } from '@/lib/web/queries/dataset';

const form = (changes: Partial<PolicyForm>): PolicyForm => ({ ...INITIAL_POLICY, ...changes });
/** The HTML's text, as a reader sees it (React's entities decoded: "’" stays, "&#x27;" becomes "'"). */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe('the publish wizard’s compute policy', () => {
  it('defaults compute-only data to templates with groups of 10 and no budget, other data to any algorithm at 64 kB a job', () => {
    expect(publishPolicy(INITIAL_POLICY, true)).toEqual({ compute: defaultComputePolicy(true), release: {} });
    const other = publishPolicy(INITIAL_POLICY, false);
    expect(other.compute?.algorithms).toBe('any');
    expect(other.release).toEqual({ bytesPerJob: DEFAULT_JOB_RELEASE_BYTES });
  });

  it('hands the publish action the owner’s k, ε per buyer and in total, and byte budgets', () => {
    const templates = publishPolicy(form({ minGroupSize: '25', epsilonPerBuyer: '1', epsilonTotal: '0.5' }), true);
    expect(templates.compute).toEqual({ algorithms: 'templates', outputGuard: { ...defaultComputePolicy(true)!.outputGuard, minGroupSize: 25 } });
    expect(templates.release).toEqual({ epsilonPerBuyer: 1, epsilonTotal: 0.5 });
    const any = publishPolicy(form({ algorithms: 'any', releaseKb: '16', buyerReleaseKb: '512' }), true);
    expect(any.compute?.algorithms).toBe('any');
    expect(any.release).toEqual({ bytesPerJob: 16 * 1024, bytesPerBuyer: 512 * 1024 });
    // Fields of another policy than the one chosen set nothing.
    expect(publishPolicy(form({ algorithms: 'approved', epsilonPerBuyer: '1', releaseKb: '16' }), true)).toMatchObject({ compute: { algorithms: 'approved' }, release: {} });
    expect(policySummary(form({ epsilonPerBuyer: '1' }), true)).toBe('Compute policy: Analysis templates only · groups of at least 10 rows · ε 1 per buyer');
  });

  it('refuses a group under 2 rows, an ε that is not a positive number up to 1000, and a byte budget under 1 kB', () => {
    expect(Object.keys(policyProblems(form({ minGroupSize: '1', epsilonPerBuyer: '-1', epsilonTotal: '1e9' }), true))).toEqual(['minGroupSize', 'epsilonPerBuyer', 'epsilonTotal']);
    expect(policyProblems(form({ minGroupSize: '2.5' }), true)).toHaveProperty('minGroupSize');
    expect(policyProblems(form({ epsilonPerBuyer: '0' }), true)).toHaveProperty('epsilonPerBuyer');
    expect(Object.keys(policyProblems(form({ algorithms: 'any', releaseKb: '0', buyerReleaseKb: 'lots' }), true))).toEqual(['releaseKb', 'buyerReleaseKb']);
    expect(policyProblems(form({ algorithms: 'any', releaseKb: '' }), true)).toHaveProperty('releaseKb');
    // The optional limits may stay empty; a template field does not hold up another policy.
    expect(policyProblems(form({ epsilonPerBuyer: ' ', epsilonTotal: '' }), true)).toEqual({});
    expect(policyProblems(form({ algorithms: 'any', minGroupSize: '0' }), true)).toEqual({});
  });

  it('offers the three policies in the CLI’s words, any said to be leak-resistant, not leak-proof', () => {
    const render = (computeOnly: boolean) => renderToStaticMarkup(createElement(PolicyFields, { form: INITIAL_POLICY, computeOnly, problems: {}, onChange: () => undefined }));
    const html = text(render(true));
    for (const words of Object.values(POLICY_WORDS)) {
      expect(html).toContain(words.title);
      expect(html).toContain(words.consequence);
    }
    expect(html).toContain('This is leak-resistant, not leak-proof');
    const checked = (html: string) => html.match(/<input type="radio"[^>]* checked=""[^>]*>/g)?.map((input) => /value="(\w+)"/.exec(input)?.[1]);
    expect(checked(render(true))).toEqual(['templates']);
    expect(checked(render(false))).toEqual(['any']);
    // Under templates: k and ε; no byte budget.
    expect(render(true)).toContain('id="minGroupSize"');
    expect(render(true)).not.toContain('id="releaseKb"');
    expect(render(false)).toContain('id="releaseKb"');
  });
});

describe('the dataset page’s compute policy', () => {
  const provider = { id: '1', endpoint: 'http://127.0.0.1:7961', environments: [{ label: 'CPU: 2 CPUs, 2048 MB', pricePerMinute: '0.05 dUSD' }] };
  const none = { epsilonTotal: '0', epsilonPerBuyer: '0', bytesPerJob: '0', bytesPerBuyer: '0' };
  const page = (policy: ComputePolicy | undefined, rest: Partial<Extract<Providers, { available: true }>>) =>
    text(renderToStaticMarkup(createElement(DatasetCompute, { providers: { available: true, providers: [provider, { ...provider, id: '2' }], policy, release: none, templates: null, ...rest }, computePrice: '3 dUSD', computeOnly: true })));

  it('says the policy in the wizard’s words, the ε budget, and the templates of the providers that answered', () => {
    const html = page(defaultComputePolicy(true), {
      release: { ...none, epsilonPerBuyer: '1000000' },
      templates: { templates: [{ name: 'aggregate', version: '1.0.0', description: 'Grouped row counts.', hash: `0x${'1'.repeat(64)}`, providers: ['1'] }], unreachable: ['2'] },
    });
    expect(html).toContain(`Compute policy: ${POLICY_WORDS.templates.title}`);
    expect(html).toContain(POLICY_WORDS.templates.consequence);
    expect(html).toContain('Release budget ε per buyer 1 ε in all no limit ');
    expect(html).not.toContain('Bytes per job');
    expect(html).toContain('aggregate v1.0.0 · on provider #1 Grouped row counts.');
    expect(html).toContain('Provider #2 did not answer, so its templates are not listed.');
  });

  it('shows the byte budget under any algorithm, and the ε budget too where the owner set one', () => {
    const html = page({ algorithms: 'any', outputGuard: { maxOutputBytes: 1 << 20, leakDetection: true } }, { release: { ...none, bytesPerJob: '65536', epsilonTotal: '2000000' } });
    expect(html).toContain(`Compute policy: ${POLICY_WORDS.any.title}`);
    expect(html).toContain('This is leak-resistant, not leak-proof');
    expect(html).toContain('Release budget ε in all 2 Bytes per job 64 kB Bytes per buyer no limit ');
    expect(html).not.toContain('ε per buyer');
    // A document from before the policies ran any algorithm.
    expect(page(undefined, {})).toContain(`Compute policy: ${POLICY_WORDS.any.title}`);
  });
});
