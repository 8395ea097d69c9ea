// The points of the playground's loss and accuracy chart, as uPlot's aligned data.
import type uPlot from 'uplot';

/** The chart's rows: one per step that has a loss or an accuracy, in step order. */
export class CurveData {
  readonly steps: number[] = [];
  readonly losses: (number | null)[] = [];
  readonly accuracies: (number | null)[] = [];

  /** Sets the loss or the accuracy of `step`; a step before the last one drops the rows after it (a restored checkpoint). */
  set(step: number, what: 'loss' | 'accuracy', value: number): void {
    this.truncateAfter(step);
    if (this.steps.at(-1) !== step) {
      this.steps.push(step);
      this.losses.push(null);
      this.accuracies.push(null);
    }
    (what === 'loss' ? this.losses : this.accuracies)[this.steps.length - 1] = value;
  }

  /** Drops the rows after `step`. */
  truncateAfter(step: number): void {
    let n = this.steps.length;
    while (n > 0 && (this.steps[n - 1] as number) > step) n--;
    this.steps.length = n;
    this.losses.length = n;
    this.accuracies.length = n;
  }

  /** Drops every row. */
  clear(): void {
    this.truncateAfter(-Infinity);
  }

  /** uPlot's aligned data: steps, losses, accuracies. */
  aligned(): uPlot.AlignedData {
    return [this.steps, this.losses, this.accuracies];
  }
}
