import type { DatasetDocument } from '@/lib/metadata';
import { previewTable, previewText } from './preview-table';
import { Section, TableScroller } from './section';

const cellClass = 'border-b border-line px-3 py-2 text-left align-top';

/** The columns the owner's metadata declares, with their types. */
export function DatasetSchema({ columns }: { columns: DatasetDocument['columns'] }) {
  return (
    <Section id="schema" title="Schema" intro={columns?.length ? `${columns.length} ${columns.length === 1 ? 'column' : 'columns'}, as the owner’s signed metadata declares them.` : undefined}>
      {columns?.length ? (
        <TableScroller label="Schema">
          <table className="w-full text-sm">
            <thead className="text-muted">
              <tr>
                <th scope="col" className={`${cellClass} font-medium`}>
                  Column
                </th>
                <th scope="col" className={`${cellClass} font-medium`}>
                  Type
                </th>
                {columns.some((c) => c.description) ? (
                  <th scope="col" className={`${cellClass} font-medium`}>
                    Description
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {columns.map((column) => (
                <tr key={column.name}>
                  <th scope="row" className={`${cellClass} font-mono font-normal break-all`}>
                    {column.name}
                  </th>
                  <td className={cellClass}>
                    <span className="rounded bg-brand-soft px-1.5 py-0.5 font-mono text-xs">{column.type}</span>
                  </td>
                  {columns.some((c) => c.description) ? <td className={`${cellClass} text-muted`}>{column.description}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      ) : (
        <p className="text-sm text-muted">The owner did not describe the columns of this dataset.</p>
      )}
    </Section>
  );
}

/** The sample the owner chose to show publicly: a table for CSV and JSON lines, the text as it is otherwise. */
export function DatasetPreview({ preview }: { preview: DatasetDocument['preview'] }) {
  if (!preview || preview.content.trim() === '') {
    return (
      <Section id="preview" title="Preview">
        <p className="text-sm text-muted">The owner shares no sample of this dataset: only licence holders see its contents.</p>
      </Section>
    );
  }
  const table = previewTable(preview);
  return (
    <Section id="preview" title="Preview" intro={table ? `The first ${table.rows.length === 1 ? 'row' : `${table.rows.length} rows`}, public by the owner’s choice.` : 'The beginning of the file, public by the owner’s choice.'}>
      {table ? (
        <TableScroller label="Preview">
          <table className="w-full font-mono text-xs">
            <thead className="text-muted">
              <tr>
                {table.columns.map((column, i) => (
                  <th key={i} scope="col" className={`${cellClass} font-medium whitespace-nowrap`}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((value, c) => (
                    <td key={c} className={`${cellClass} whitespace-nowrap tabular-nums`}>
                      {value}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroller>
      ) : (
        <TableScroller label="Preview">
          <pre className="rounded-lg bg-background p-4 font-mono text-xs leading-relaxed">{previewText(preview)}</pre>
        </TableScroller>
      )}
    </Section>
  );
}
