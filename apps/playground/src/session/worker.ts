/// <reference lib="webworker" />
import type { SessionCommand, SessionEvent } from './protocol.js';
import { createSession } from './session.js';

declare const self: DedicatedWorkerGlobalScope;

const session = createSession({
  thread: 'worker',
  emit: (event: SessionEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer),
});
self.onmessage = (message: MessageEvent<SessionCommand>) => session.handle(message.data);
