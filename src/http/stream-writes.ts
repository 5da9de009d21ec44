// Writes to a response that may lose its client at any moment. A wait for 'drain' ends on 'close'
// or 'error' too: a vanished client never emits 'drain', and a writer parked on it kept its
// database cursor (and connection) checked out for good.
import type { Writable } from 'node:stream';
import { setImmediate as turnOfTheEventLoop } from 'node:timers/promises';

/** Thrown into a streaming loop when the client has gone; the loop's iterators are closed with it. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection before the answer was complete');
  }
}

/** True once the response can no longer reach the client (closed or destroyed before its end). */
export function clientGone(out: Writable): boolean {
  // Node marks a response destroyed after a normal end too; only an unfinished one lost its client.
  return (out.destroyed || out.closed) && !out.writableFinished;
}

/**
 * True when a request failed because its client went away: the streaming writers' error, or the
 * request stream's own 'aborted' (the client hung up while its body was being read).
 */
export function failedByClient(err: unknown, req: { destroyed: boolean }, res: Writable): boolean {
  if (err instanceof ClientGoneError) return true;
  const aborted = err instanceof Error && err.message === 'aborted' && (err as { code?: string }).code === 'ECONNRESET';
  return aborted || (req.destroyed && clientGone(res));
}

/** Writes `chunk`, resolving when more may be written; rejects with ClientGoneError once the client is gone. */
export async function writeChunk(out: Writable, chunk: string | Buffer): Promise<void> {
  if (clientGone(out)) throw new ClientGoneError();
  if (out.write(chunk)) {
    // Let I/O in between chunks: a stream whose writes never block would otherwise render batch
    // after batch before the event loop even sees its client hang up (or other clients' requests).
    await turnOfTheEventLoop();
    if (clientGone(out)) throw new ClientGoneError();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const done = (gone: boolean) => {
      out.off('drain', onDrain);
      out.off('close', onGone);
      out.off('error', onGone);
      if (gone) reject(new ClientGoneError());
      else resolve();
    };
    const onDrain = () => done(false);
    const onGone = () => done(true);
    out.on('drain', onDrain);
    out.on('close', onGone);
    out.on('error', onGone);
  });
}
