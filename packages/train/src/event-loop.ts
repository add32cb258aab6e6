/** Lets timers, I/O and UI events run (an abort button, Ctrl-C), even on backends whose reads never wait. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
