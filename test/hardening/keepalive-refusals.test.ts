// A refused request never costs the client its keep-alive connection: vdirsyncer (aiohttp) syncing
// several collections reported "Server disconnected" instead of a 403. Every refusal of a PUT with a
// body (403 before the body is read, 412 after it, 413 declared or discovered while reading a
// chunked body, 415), also with a body that arrives slowly or behind Expect: 100-continue, is
// followed here by a second request on the same raw socket, whose answer must arrive too.
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../support/builders.js';
import { AUFGABEN } from '../support/collections.js';
import { connect, rawRequest, ResponseReader, startFaultServer, type FaultServer } from './fault-server.js';

const ANNA = 'anna.meier';
const TASKS = AUFGABEN(ANNA);
const VTODO = (uid: string, pad = 0) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//keepalive//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20261207T120000Z', `SUMMARY:Neu${'x'.repeat(pad)}`, 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
const DEPTH0 = `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;

let dav: FaultServer;
let auth: string;
let taskHref: string;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  dav = await startFaultServer({
    // A small resource limit, so a 413 body is quick to send.
    config: { maxResourceSize: 4096 },
    seed: async (db) => {
      const anna = await builders(db.pool).addEmployee({ username: ANNA });
      const task = await builders(db.pool).addTask({ assigneeId: anna, subject: 'Offerte nachfassen' });
      taskHref = `${TASKS}${task}.ics`;
    },
  });
  auth = await dav.authorization(ANNA);
  // Render the collections once, so the answers below are quick.
  await (await fetch(dav.url + TASKS, { method: 'PROPFIND', headers: { Authorization: auth, Depth: '1' }, body: DEPTH0 })).text();
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await dav?.close();
});

async function open(): Promise<{ socket: net.Socket; reader: ResponseReader }> {
  const socket = await connect(dav.port);
  sockets.push(socket);
  return { socket, reader: new ResponseReader(socket) };
}

/** The second request on the same connection: an authenticated PROPFIND that must answer 207. */
async function followUp(socket: net.Socket, reader: ResponseReader): Promise<void> {
  socket.write(rawRequest('PROPFIND', TASKS, { Authorization: auth, Depth: '0', 'Content-Type': 'application/xml' }, DEPTH0));
  const second = await reader.next();
  expect(second.status, 'the second request on the same connection').toBe(207);
  expect(reader.ended, 'the connection is still open').toBe(false);
}

const putHeaders = (extra: Record<string, string> = {}) => ({ Authorization: auth, 'Content-Type': 'text/calendar; charset=utf-8', ...extra });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a refused PUT keeps its keep-alive connection', () => {
  it('403: a task created on the client (refused before the body is read), body sent at once', async () => {
    const { socket, reader } = await open();
    socket.write(rawRequest('PUT', `${TASKS}neu-1.ics`, putHeaders(), VTODO('neu-1')));
    const first = await reader.next();
    expect(first.status).toBe(403);
    expect(first.headers.connection ?? 'keep-alive').not.toMatch(/close/i);
    await followUp(socket, reader);
  });

  it('403 for a body that arrives slowly, in pieces (a create is refused once the body is read)', async () => {
    const { socket, reader } = await open();
    const request = rawRequest('PUT', `${TASKS}neu-2.ics`, putHeaders(), VTODO('neu-2', 2000));
    for (let i = 0; i < request.length; i += 500) {
      socket.write(request.slice(i, i + 500));
      await pause(50);
    }
    expect((await reader.next()).status).toBe(403);
    await followUp(socket, reader);
  });

  it('415 answered before the body is read, while the body is still arriving; the rest comes after the answer', async () => {
    const { socket, reader } = await open();
    const body = VTODO('neu-2b', 2000);
    const request = rawRequest('PUT', `${TASKS}neu-2b.ics`, putHeaders({ 'Content-Type': 'text/plain' }), body);
    const split = request.length - body.length + 100;
    socket.write(request.slice(0, split));
    const first = await reader.next();
    expect(first.status).toBe(415);
    // The client goes on sending its body in pieces, as a slow phone would.
    for (let i = split; i < request.length; i += 500) {
      await pause(50);
      socket.write(request.slice(i, i + 500));
    }
    await followUp(socket, reader);
  });

  it('403 with Expect: 100-continue: the answer (interim or final) comes, the body follows, the connection stays', async () => {
    const { socket, reader } = await open();
    const body = VTODO('neu-3');
    const request = rawRequest('PUT', `${TASKS}neu-3.ics`, putHeaders({ Expect: '100-continue' }), body);
    socket.write(request.slice(0, request.length - body.length));
    let answer = await reader.next();
    socket.write(body); // aiohttp and curl send the body once they saw 100 or waited a moment
    if (answer.status === 100) answer = await reader.next();
    expect(answer.status).toBe(403);
    await followUp(socket, reader);
  });

  it('412: an update of an existing task with a stale If-Match (refused after the body is read)', async () => {
    const { socket, reader } = await open();
    socket.write(rawRequest('PUT', taskHref, putHeaders({ 'If-Match': '"stale"' }), VTODO('whatever')));
    expect((await reader.next()).status).toBe(412);
    await followUp(socket, reader);
  });

  it('413: a declared Content-Length over the limit, the whole body sent anyway', async () => {
    const { socket, reader } = await open();
    socket.write(rawRequest('PUT', taskHref, putHeaders(), VTODO('gross', 20_000)));
    expect((await reader.next()).status).toBe(413);
    await followUp(socket, reader);
  });

  it('413: a chunked body that only turns out too large while it is read', async () => {
    const { socket, reader } = await open();
    const head = [`PUT ${taskHref} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: ${auth}`, 'Content-Type: text/calendar', 'Transfer-Encoding: chunked', '', ''].join('\r\n');
    socket.write(head);
    const body = VTODO('gross-chunked', 20_000);
    for (let i = 0; i < body.length; i += 1000) {
      const part = body.slice(i, i + 1000);
      socket.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
      await pause(5);
    }
    socket.write('0\r\n\r\n');
    expect((await reader.next()).status).toBe(413);
    await followUp(socket, reader);
  });

  it('415: a body of the wrong type', async () => {
    const { socket, reader } = await open();
    socket.write(rawRequest('PUT', taskHref, putHeaders({ 'Content-Type': 'application/json' }), '{"summary":"neu"}'));
    expect((await reader.next()).status).toBe(415);
    await followUp(socket, reader);
  });

  it('ten refusals and answers alternating on one connection, as a sync of several collections sends them', async () => {
    const { socket, reader } = await open();
    for (let i = 0; i < 10; i++) {
      socket.write(rawRequest('PUT', `${TASKS}serie-${i}.ics`, putHeaders(), VTODO(`serie-${i}`)));
      expect((await reader.next()).status).toBe(403);
      await followUp(socket, reader);
    }
  });
});
