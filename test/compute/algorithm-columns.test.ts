/** The parameters algorithms declare as column names, and the check of a job's parameters before payment: their nesting and the dataset's columns. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkParameters, columnParameters, MAX_PARAMS_NESTING, ParamsTooDeepError, UnknownColumnError } from '@/lib/compute/algorithm';
import { nestedArrays } from '../helpers/hostile';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples', 'algorithms');
const example = (name: string) => readFileSync(path.join(EXAMPLES, name));
const text = (source: string) => new TextEncoder().encode(source);
const vitals = { id: 3n, columns: ['patient_id', 'minute', 'heart_rate', 'spo2', 'alert'].map((name) => ({ name, type: 'string' })) };

test('the shipped examples declare the parameters that name columns', () => {
  expect(columnParameters(example('train_model.py'))).toEqual(['target']);
  expect(columnParameters(example('gpu_train.py'))).toEqual(['target']);
  expect(columnParameters(example('aggregate_stats.py'))).toEqual(['group_by', 'columns']);
  expect(columnParameters(example('column_stats.js'))).toEqual([]);
});

test('a declaration counts only in the leading comment lines', () => {
  expect(columnParameters(text('// datagora: columns by\n\nconst x = 1;\n'))).toEqual(['by']);
  expect(columnParameters(text('import sys\n# datagora: columns target\n'))).toEqual([]);
});

test('a declared parameter naming a missing column is refused with the column and the dataset’s columns', () => {
  const check = (params: unknown) => () => checkParameters(example('aggregate_stats.py'), params, vitals);
  expect(check({ group_by: 'patient_id', columns: ['heart_rate', 'spo2'] })).not.toThrow();
  expect(check({ group_by: 'ward' })).toThrow(new UnknownColumnError('group_by', 'ward', 3n, vitals.columns.map((c) => c.name)));
  expect(check({ columns: ['heart_rate', 'bmi'] })).toThrow('parameter "columns" names the column "bmi", which dataset 3 does not have; its columns: patient_id, minute, heart_rate, spo2, alert');
  // Left out, not a name, or a dataset without a schema: the algorithm's to judge.
  expect(check({})).not.toThrow();
  expect(check({ group_by: 7 })).not.toThrow();
  expect(() => checkParameters(example('train_model.py'), { target: 'x' }, { id: 3n })).not.toThrow();
});

test('parameters nested deeper than a provider takes are refused before payment, without overflowing the stack', () => {
  const check = (params: unknown) => () => checkParameters(example('column_stats.js'), params, vitals);
  expect(check(nestedArrays(MAX_PARAMS_NESTING))).not.toThrow();
  expect(check(nestedArrays(MAX_PARAMS_NESTING + 1))).toThrow(new ParamsTooDeepError(MAX_PARAMS_NESTING + 1));
  expect(check(nestedArrays(100_000))).toThrow('the parameters nest 100000 levels deep; providers take at most 32');
});
