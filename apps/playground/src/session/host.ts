import type { SessionCommand, SessionEvent } from './protocol.js';

/** The page's handle on a training session, wherever it runs. */
export interface SessionHost {
  /** Where the session runs. */
  readonly thread: 'worker' | 'page';
  send(command: SessionCommand, transfer?: Transferable[]): void;
  /** Stops the session (terminates the worker). */
  dispose(): void;
}

/** Starts a session in a module Web Worker: training never blocks the page. */
export function workerHost(listener: (event: SessionEvent) => void): SessionHost {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'gan-training' });
  worker.onmessage = (message: MessageEvent<SessionEvent>) => listener(message.data);
  worker.onerror = (error) => listener({ type: 'error', message: `Training worker failed: ${error.message}` });
  return {
    thread: 'worker',
    send: (command, transfer = []) => worker.postMessage(command, transfer),
    dispose: () => worker.terminate(),
  };
}

/**
 * Runs a session on the page itself, for WebGL, whose tfjs backend needs the document (the
 * `@gan/backend` WebGL probe creates its context from `document`). The session yields to the event
 * loop between steps, so the page stays responsive while it trains.
 */
export async function pageHost(listener: (event: SessionEvent) => void): Promise<SessionHost> {
  const { createSession } = await import('./session.js');
  let alive = true;
  const session = createSession({ thread: 'page', emit: (event) => alive && listener(event) });
  return {
    thread: 'page',
    send: (command) => session.handle(command),
    dispose: () => {
      alive = false;
      session.handle({ type: 'pause' });
    },
  };
}
