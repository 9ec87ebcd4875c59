'use client';
/**
 * The job form's analysis template: which of the provider's templates runs, and its parameters picked from the
 * columns the dataset publishes (or typed as JSON, for what the fields do not offer), with the model file an
 * evaluate job scores.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { TemplateName, TemplateSummary } from '@/lib/compute/templates';
import { AGGREGATE_STATS } from '@/lib/compute/templates/params';
import { describeFailure } from '@/components/wallet/use-browser-wallet';
import { choiceCard, field, secondaryButton } from './styles';
import { isNumeric, NOISY_TEMPLATES, templateParams, type Column, type ModelKind, type NoiseChoice, type TemplateFields } from './template-params';

export interface TemplateFormValue {
  template: TemplateName | '';
  fields: TemplateFields;
  /** The parameters as typed in the JSON box, which then wins over the fields; null while the fields make them. */
  raw: string | null;
  /** The evaluate template's model (train's JSON, or a pickled scikit-learn estimator). */
  model: File | null;
}

interface TemplateFieldsProps {
  templates: UseQueryResult<TemplateSummary[]>;
  /** The dataset's published columns; none when it publishes no schema. */
  columns: Column[];
  value: TemplateFormValue;
  onChange: (patch: Partial<TemplateFormValue>) => void;
  /** The schema's words for what is wrong, shown once the buyer tries to pay. */
  problems: string[] | undefined;
  modelProblem: string | undefined;
}

const box = 'rounded-lg border border-line p-3';
const legend = 'px-1 text-sm font-medium';

/** Checkboxes, one per column: the columns picked, in the dataset's order. */
function ColumnBoxes({ label, columns, picked, onChange, hint }: { label: string; columns: Column[]; picked: string[]; onChange: (picked: string[]) => void; hint?: string }) {
  return (
    <fieldset className={box}>
      <legend className={legend}>{label}</legend>
      {hint ? <p className="mb-2 text-xs text-muted">{hint}</p> : null}
      <div className="flex flex-wrap gap-x-4 gap-y-1">
        {columns.map((column) => (
          <label key={column.name} className="flex items-center gap-1.5 text-sm">
            <input
              type="checkbox"
              checked={picked.includes(column.name)}
              onChange={(event) =>
                onChange(event.target.checked ? columns.map((c) => c.name).filter((name) => name === column.name || picked.includes(name)) : picked.filter((name) => name !== column.name))
              }
              className="accent-brand"
            />
            <span className="font-mono text-xs">{column.name}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function ColumnSelect({ label, columns, value, onChange }: { label: string; columns: Column[]; value: string; onChange: (name: string) => void }) {
  return (
    <label className="block text-sm font-medium">
      {label}
      <select value={value} onChange={(event) => onChange(event.target.value)} className={`${field} mt-1 block w-full`}>
        <option value="">Choose a column</option>
        {columns.map((column) => (
          <option key={column.name} value={column.name}>
            {column.name} ({column.type})
          </option>
        ))}
      </select>
    </label>
  );
}

function NumberField({ label, value, onChange, className = 'w-28' }: { label: string; value: string; onChange: (text: string) => void; className?: string }) {
  return (
    <label className="block text-sm font-medium">
      {label}
      <input inputMode="decimal" value={value} onChange={(event) => onChange(event.target.value.trim())} className={`${field} mt-1 block ${className}`} />
    </label>
  );
}

function Noise({ fields, set }: { fields: TemplateFields; set: (patch: Partial<TemplateFields>) => void }) {
  return (
    <fieldset className={box}>
      <legend className={legend}>Noise</legend>
      <p className="mb-2 text-xs text-muted">
        Calibrated noise makes the release differentially private and spends ε of the dataset’s privacy budget; without it the release spends none (an owner who set a budget requires noise).
      </p>
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <label className="block text-sm font-medium">
          Noise
          <select value={fields.noise} onChange={(event) => set({ noise: event.target.value as NoiseChoice })} className={`${field} mt-1 block`}>
            <option value="none">None</option>
            <option value="laplace">Laplace</option>
            <option value="gaussian">Gaussian</option>
          </select>
        </label>
        {fields.noise !== 'none' ? <NumberField label="ε (epsilon)" value={fields.epsilon} onChange={(epsilon) => set({ epsilon })} /> : null}
        {fields.noise === 'gaussian' ? <NumberField label="δ (delta)" value={fields.delta} onChange={(delta) => set({ delta })} /> : null}
      </div>
    </fieldset>
  );
}

/** The fields of one template; what they do not cover (bounds, quantile levels, a private model) goes in the JSON. */
function Fields({ template, columns, fields, set }: { template: TemplateName; columns: Column[]; fields: TemplateFields; set: (patch: Partial<TemplateFields>) => void }) {
  const numeric = columns.filter(isNumeric);
  const parts: Record<TemplateName, ReactNode> = {
    aggregate: (
      <>
        <ColumnBoxes
          label="Group by"
          hint="Up to 3 columns whose values make the groups; none: the whole table is one group."
          columns={columns}
          picked={fields.groupBy}
          onChange={(groupBy) => set({ groupBy })}
        />
        <ColumnBoxes label="Metrics" hint="The numeric columns summarised in each group." columns={numeric} picked={fields.metrics} onChange={(metrics) => set({ metrics })} />
        <fieldset className={box}>
          <legend className={legend}>Statistics</legend>
          <div className="flex flex-wrap gap-x-4 gap-y-1">
            {AGGREGATE_STATS.map((stat) => (
              <label key={stat} className="flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={fields.stats.includes(stat)}
                  onChange={(event) =>
                    set({
                      stats: event.target.checked ? AGGREGATE_STATS.filter((s) => s === stat || fields.stats.includes(s)) : fields.stats.filter((s) => s !== stat),
                    })
                  }
                  className="accent-brand"
                />
                {stat}
              </label>
            ))}
          </div>
        </fieldset>
      </>
    ),
    histogram: (
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <div className="min-w-48 flex-1">
          <ColumnSelect label="Column" columns={numeric} value={fields.column} onChange={(column) => set({ column })} />
        </div>
        <NumberField label="Bins" value={fields.bins} onChange={(bins) => set({ bins })} className="w-20" />
        <NumberField label="From" value={fields.lo} onChange={(lo) => set({ lo })} />
        <NumberField label="To" value={fields.hi} onChange={(hi) => set({ hi })} />
      </div>
    ),
    correlation: <ColumnBoxes label="Columns" hint="2 to 20 numeric columns: their Pearson correlations." columns={numeric} picked={fields.columns} onChange={(picked) => set({ columns: picked })} />,
    train: (
      <>
        <label className="block text-sm font-medium">
          Model
          <select value={fields.model} onChange={(event) => set({ model: event.target.value as ModelKind })} className={`${field} mt-1 block`}>
            <option value="linear">Linear regression</option>
            <option value="logistic">Logistic regression</option>
            <option value="forest">Random forest</option>
          </select>
        </label>
        <ColumnSelect label="Target" columns={columns} value={fields.target} onChange={(target) => set({ target })} />
        <ColumnBoxes label="Features" columns={numeric.filter((c) => c.name !== fields.target)} picked={fields.features} onChange={(features) => set({ features })} />
      </>
    ),
    evaluate: (
      <>
        <ColumnSelect label="Target" columns={columns} value={fields.target} onChange={(target) => set({ target })} />
        <ColumnBoxes
          label="Features"
          hint="The model’s input columns, in the order it takes them."
          columns={numeric.filter((c) => c.name !== fields.target)}
          picked={fields.features}
          onChange={(features) => set({ features })}
        />
      </>
    ),
  };
  return (
    <div className="space-y-3">
      {parts[template]}
      {NOISY_TEMPLATES.includes(template) ? <Noise fields={fields} set={set} /> : null}
    </div>
  );
}

export function TemplateChoice({ templates, columns, value, onChange, problems, modelProblem }: TemplateFieldsProps) {
  if (templates.isPending) {
    return (
      <p role="status" className="text-sm text-muted">
        Reading the provider’s templates…
      </p>
    );
  }
  if (templates.isError) {
    const failure = describeFailure(templates.error);
    return (
      <div role="alert" className="rounded-lg border border-warn/40 bg-warn-soft p-3 text-sm">
        <p className="font-medium">The provider’s templates cannot be read: {failure.message}</p>
        {failure.hint ? <p className="mt-1 text-muted">{failure.hint}</p> : null}
      </div>
    );
  }
  const { template, fields, raw } = value;
  const set = (patch: Partial<TemplateFields>) => onChange({ fields: { ...fields, ...patch } });
  const chosen = templates.data.find((t) => t.name === template);
  return (
    <div className="space-y-4">
      <fieldset>
        <legend className="mb-2 text-sm font-medium">Template</legend>
        <ul className="grid gap-2 sm:grid-cols-2">
          {templates.data.map((t) => (
            <li key={t.name}>
              <label className={choiceCard}>
                <input type="radio" name="template" value={t.name} checked={template === t.name} onChange={() => onChange({ template: t.name, raw: null })} className="mt-1 accent-brand" />
                <span className="min-w-0">
                  <span className="font-medium">{t.name}</span> <span className="text-xs text-muted">v{t.version}</span>
                  <span className="mt-1 line-clamp-3 block text-xs text-muted">{t.description}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      {chosen && template ? (
        <>
          {raw === null && columns.length > 0 ? <Fields template={template} columns={columns} fields={fields} set={set} /> : null}
          {columns.length === 0 ? <p className="text-sm text-muted">The dataset publishes no columns to pick from: give the parameters as JSON.</p> : null}
          <details open={raw !== null || columns.length === 0} className={box}>
            <summary className="cursor-pointer text-sm font-medium">Parameters as JSON (advanced: bounds, quantile levels, a private model)</summary>
            <textarea
              aria-label="Template parameters (JSON)"
              value={raw ?? JSON.stringify(templateParams(template, fields), null, 2)}
              onChange={(event) => onChange({ raw: event.target.value })}
              rows={8}
              spellCheck={false}
              className={`${field} mt-2 w-full font-mono`}
            />
            {raw !== null && columns.length > 0 ? (
              <button type="button" onClick={() => onChange({ raw: null })} className={`${secondaryButton} mt-2`}>
                Back to the fields
              </button>
            ) : null}
          </details>
          {template === 'evaluate' ? (
            <label className="block text-sm font-medium">
              Model file (a train template’s result.json, scored without running your code; or a pickled scikit-learn estimator)
              <input
                type="file"
                accept=".json,.pkl,.pickle"
                onChange={(event) => onChange({ model: event.target.files?.[0] ?? null })}
                className="mt-1 block w-full text-sm file:mr-3 file:rounded-lg file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:font-semibold file:text-ink"
              />
            </label>
          ) : null}
          {modelProblem ? <p className="text-sm text-warn">{modelProblem}</p> : null}
          {problems && problems.length > 0 ? (
            <ul id="template-problems" aria-label="Parameter problems" className="list-disc space-y-0.5 pl-5 text-sm text-warn">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
