// Text for the cells of generated markdown tables (CLI reference, model zoo, config options).

/** Escapes prose for a markdown table cell: pipes always, `<` and `>` outside the prose's own code spans. */
export const cell = (s) =>
  String(s ?? '')
    .replace(/\n/g, ' ')
    .replace(/\|/g, '\\|')
    // Outside code spans, < and > would be read as HTML (and by Vue as tags); inside, markdown escapes them itself.
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, '&lt;').replace(/>/g, '&gt;') : part))
    .join('`');

/**
 * A table cell holding `s` as one code span, shown verbatim (`<n>` stays `<n>`): only the pipe is escaped, which a
 * GFM table needs even inside code spans; the fence is one backtick longer than any run of backticks in `s`.
 */
export const codeCell = (s) => {
  const text = String(s ?? '')
    .replace(/\n/g, ' ')
    .replace(/\|/g, '\\|');
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  return fence.length > 1 || text.startsWith('`') || text.endsWith('`') ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
};
