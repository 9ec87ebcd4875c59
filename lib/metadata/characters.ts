/**
 * The characters that anyone's text (documents, chain events, files, errors) is checked for, as RegExp sources:
 * the schema refuses them, the indexer stores them replaced, pages and logs show them escaped.
 */

/** Bidirectional formatting characters (a character class's members): they reorder what is shown after them. */
export const BIDI_CONTROLS = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/** Half of a UTF-16 surrogate pair without its other half: not Unicode, so no UTF-8 or Postgres JSON can hold it. */
export const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
