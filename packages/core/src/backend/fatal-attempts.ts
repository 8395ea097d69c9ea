import type { BackendAttempt } from './backend-choice';

/** Attempts whose failure ends `auto`'s search (a misconfiguration, not a missing capability). */
const fatalAttempts = new WeakSet<BackendAttempt>();

/** Marks `attempt` as a misconfiguration that `initBackend`'s `auto` must report instead of trying the next backend. */
export function markFatal(attempt: BackendAttempt): BackendAttempt {
  fatalAttempts.add(attempt);
  return attempt;
}

/** Whether {@link markFatal} marked `attempt`. */
export function isFatalAttempt(attempt: BackendAttempt): boolean {
  return fatalAttempts.has(attempt);
}
