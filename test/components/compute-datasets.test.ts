/**
 * The compute page's choice of several datasets for one job: the ids a link names, the picker's ticked datasets
 * and the list of those in the job, what runs on them (the strictest owner's policy, the columns they all share),
 * and the choice handed to the SDK's request action.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { DatasetPicker } from '@/components/compute/dataset-picker';
import { choiceOf, linkedDatasets, problemsOf, sharedColumns, strictestPolicy, type Form } from '@/components/compute/job-choice';
import type { DatasetOption } from '@/components/compute/options';
import { EMPTY_FIELDS } from '@/components/compute/template-params';
import type { AlgorithmPolicy } from '@/lib/compute/policy';

/** The HTML's text, as a reader sees it. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

const option = (id: number): DatasetOption => ({ id: String(id), title: `Ward ${id}`, licence: 'Compute only', computeOnly: true, aiTraining: false, computePrice: `${id} dUSD` });
const listed = { available: true as const, items: [3, 9, 10].map(option), total: 3 };

const form = (changes: Partial<Form>): Form => ({
  datasetIds: ['3', '10'],
  kind: 'algorithm',
  file: new File(['print(1)'], 'count.py'),
  params: '',
  templated: { template: '', fields: EMPTY_FIELDS, raw: null, model: null },
  environment: '1:0',
  minutes: '5',
  aiTraining: true,
  ...changes,
});

describe('the datasets of a job', () => {
  it('takes the ids a link names once each, valid ones only, as many as a job runs on', () => {
    expect(linkedDatasets('3')).toEqual(['3']);
    expect(linkedDatasets('10, 3,10,x,0,-2')).toEqual(['10', '3']);
    expect(linkedDatasets(Array.from({ length: 10 }, (_, i) => i + 1).join(','))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(linkedDatasets('')).toEqual([]);
  });

  it('hands the request action every dataset, and refuses more than eight before any price is read', () => {
    const chosen = form({});
    expect(choiceOf(chosen, problemsOf(chosen).problems)).toEqual({ datasetIds: [3n, 10n], providerId: 1n, environment: 0, maxMinutes: 5, aiTraining: true });
    const nine = form({ datasetIds: Array.from({ length: 9 }, (_, i) => String(i + 1)) });
    const { problems } = problemsOf(nine);
    expect(problems.datasetId).toBe('A job runs on at most 8 datasets: remove 1.');
    expect(choiceOf(nine, problems)).toBeNull();
    expect(problemsOf(form({ datasetIds: [] })).problems.datasetId).toBe('Choose a dataset.');
  });

  it('runs what the strictest owner allows, and offers the columns every dataset publishes', () => {
    const policy = (algorithms: AlgorithmPolicy) => ({ compute: { algorithms, outputGuard: { maxOutputBytes: 65_536, leakDetection: true } } });
    expect(strictestPolicy([policy('any'), {}])).toBe('any');
    expect(strictestPolicy([{}, policy('approved')])).toBe('approved');
    expect(strictestPolicy([policy('approved'), policy('templates'), {}])).toBe('templates');
    const column = (name: string) => ({ name, type: 'number' });
    expect(sharedColumns([{ columns: [column('pulse'), column('spo2'), column('alert')] }, { columns: [column('alert'), column('pulse')] }, {}]).map((c) => c.name)).toEqual(['pulse', 'alert']);
    expect(sharedColumns([{}, {}])).toEqual([]);
  });
});

describe('the dataset picker', () => {
  const render = (selectedIds: string[]) => renderToStaticMarkup(createElement(DatasetPicker, { initial: listed, preselected: ['10'], selectedIds, onChange: () => undefined }));

  it('ticks each dataset in the job and lists them with a button that takes each out', () => {
    const html = render(['10', '3']);
    const ticked = html.match(/<input type="checkbox"[^>]*>/g)!.filter((input) => input.includes('checked=""')).map((input) => /value="(\d+)"/.exec(input)![1]);
    expect(ticked.sort()).toEqual(['10', '3']);
    expect(text(html)).toContain('The job runs on 2 datasets, together (at most 8)');
    expect(html).toContain('aria-label="Remove dataset #10 from the job"');
    expect(html).toContain('aria-label="Remove dataset #3 from the job"');
    // The dataset the link names comes first.
    expect(/value="(\d+)"/.exec(html)![1]).toBe('10');
  });

  it('says how to add datasets while none is ticked, and stops at eight', () => {
    expect(text(render([]))).toContain('Tick a dataset to run the job on it; tick more to run one job over several');
    const full = render(['1', '2', '3', '4', '5', '6', '7', '8']);
    const nine = full.match(/<input type="checkbox"[^>]*value="9"[^>]*>/)![0];
    expect(nine).toContain('disabled=""');
  });
});
