/** A parsed einsum equation: one label list per operand and the output's labels. */
export interface EinsumEquation {
  readonly inputs: readonly string[][];
  readonly output: readonly string[];
}

/**
 * Parses an einsum equation such as `'bij,bjk->bik'` for `numInputs` operands. Without `->` the
 * output is every label that occurs exactly once, in alphabetical order (NumPy's rule). Throws an
 * Error naming the problem for a wrong operand count, a label that is not a letter, an ellipsis,
 * a label repeated within one operand (diagonals are not supported) or an output label that no
 * operand has.
 */
export function parseEinsumEquation(equation: string, numInputs: number): EinsumEquation {
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('...')) {
    throw new Error(`einsum: ellipsis ("...") is not supported in "${equation}"; write every axis label out.`);
  }
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const terms = lhs.split(',');
  if (terms.length !== numInputs) {
    throw new Error(`einsum: equation "${equation}" has ${terms.length} operand term(s) but ${numInputs} tensor(s) were given.`);
  }
  const inputs = terms.map((term) => {
    const labels = [...term];
    for (const l of labels) {
      if (!/^[a-zA-Z]$/.test(l)) throw new Error(`einsum: label "${l}" in "${equation}" is not a letter.`);
    }
    if (new Set(labels).size !== labels.length) {
      throw new Error(
        `einsum: operand "${term}" in "${equation}" repeats a label (a diagonal or trace); take it with ` +
          'other ops first, einsum here needs distinct labels per operand.',
      );
    }
    return labels;
  });
  let output: string[];
  if (arrow >= 0) {
    output = [...eq.slice(arrow + 2)];
    const all = new Set(inputs.flat());
    for (const l of output) {
      if (!/^[a-zA-Z]$/.test(l)) throw new Error(`einsum: output label "${l}" in "${equation}" is not a letter.`);
      if (!all.has(l)) throw new Error(`einsum: output label "${l}" in "${equation}" appears in no operand.`);
    }
    if (new Set(output).size !== output.length) {
      throw new Error(`einsum: output of "${equation}" repeats a label.`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const l of inputs.flat()) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [...counts.entries()]
      .filter(([, c]) => c === 1)
      .map(([l]) => l)
      .sort();
  }
  return { inputs, output };
}

/**
 * The size of every label, checked for consistency across operands. Throws an Error naming the
 * label and both sizes when two operands disagree or a rank does not match its term.
 */
export function einsumLabelSizes(eq: EinsumEquation, shapes: readonly (readonly number[])[]): Map<string, number> {
  const sizes = new Map<string, number>();
  eq.inputs.forEach((labels, i) => {
    const shape = shapes[i] as readonly number[];
    if (shape.length !== labels.length) {
      throw new Error(
        `einsum: operand ${i} has rank ${shape.length} (shape [${shape.join(', ')}]) but its term ` +
          `"${labels.join('')}" has ${labels.length} label(s).`,
      );
    }
    labels.forEach((l, axis) => {
      const d = shape[axis] as number;
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== d) {
        throw new Error(`einsum: label "${l}" has size ${seen} in one operand and ${d} in operand ${i}; sizes must agree.`);
      }
      sizes.set(l, d);
    });
  });
  return sizes;
}
