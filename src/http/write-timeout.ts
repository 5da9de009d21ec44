// Cuts off a response whose client stopped reading: while bytes wait in the socket and none of
// them moves for `timeoutMs`, the response and its socket are destroyed. The streaming writers see
// 'close' and release their cursor; without this a phone that went to sleep mid-answer held a
// database connection until the TCP stack gave up, hours later.
import type http from 'node:http';
import type { Socket } from 'node:net';

/** Bytes the socket still holds for the client, and a fingerprint that changes whenever any move. */
function progressOf(socket: Socket): { pending: number; mark: string } {
  // writeQueueSize is libuv's count of bytes not yet taken by the kernel: it shrinks during one
  // large write too, where writableLength only changes when the whole write completes.
  const queued = (socket as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;
  return { pending: socket.writableLength + queued, mark: `${socket.bytesWritten}/${socket.writableLength}/${queued}` };
}

export function watchWrites(req: http.IncomingMessage, res: http.ServerResponse, timeoutMs: number, onStall?: () => void): void {
  const socket = req.socket;
  let last = progressOf(socket).mark;
  let stalledSince = Date.now();
  const timer = setInterval(
    () => {
      const now = progressOf(socket);
      if (now.pending === 0 || now.mark !== last) {
        last = now.mark;
        stalledSince = Date.now();
        return;
      }
      if (Date.now() - stalledSince < timeoutMs) return;
      clearInterval(timer);
      onStall?.();
      res.destroy();
      socket.destroy();
    },
    Math.max(100, Math.min(5_000, Math.floor(timeoutMs / 4))),
  );
  timer.unref();
  res.once('close', () => clearInterval(timer));
}
