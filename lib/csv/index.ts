/**
 * Splitting delimited text (RFC 4180 quoting: a double quote opens and closes a quoted stretch, a doubled one
 * inside it is a quote) for the file profile, the dataset preview and the output guard. No Node imports: the
 * browser's preview uses it too.
 */

/**
 * Splits `text` into records of fields. With `lines`, CR, LF and CRLF end a record outside quotes, and a
 * quoted field may hold line breaks; without it `text` is one record and line breaks are ordinary characters.
 */
function split(text: string, separator: string, lines: boolean): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      record.push(field);
      field = '';
    } else if (lines && (c === '\n' || c === '\r')) {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  // A final line break ends the last record; it does not start an empty one.
  if (!lines || field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

/** The fields of one line (its line breaks, if any, are kept as text), split at `separator` outside quotes. */
export function splitLine(line: string, separator = ','): string[] {
  // Most lines hold no quote, and String.split is several times faster than the loop.
  if (!line.includes('"')) return line.split(separator);
  return split(line, separator, false)[0]!;
}

/** Every record of a CSV text, quoted fields holding separators, doubled quotes and line breaks. */
export function csvRecords(text: string, separator = ','): string[][] {
  return split(text, separator, true);
}
