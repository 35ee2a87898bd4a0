/**
 * What the coordinator closes on stop, in order. Wiring steps add theirs as
 * they start: `push` to close after everything so far, `unshift` to close
 * before it (an HTTP server before the runner it calls into).
 */
export type Closers = (() => Promise<void>)[];
