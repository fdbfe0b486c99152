// Child process holding a share of the idle connections (keeps each process far below the
// 20,000-descriptor limit). Driven over IPC by scenarios/idle-connections.ts.
import { mapLimit } from './log.js';
import { connectLive, type DeviceSocket } from './ws-client.js';

export type ToWorker =
  | { cmd: 'open'; wsBase: string; tokens: string[]; concurrency: number; localAddress?: string }
  | { cmd: 'check'; concurrency: number }
  | { cmd: 'close' };

export type FromWorker =
  | { type: 'progress'; opened: number; failed: number }
  | { type: 'opened'; opened: number; failed: number; errorSamples: string[] }
  | { type: 'checked'; open: number; answeredPing: number; closedByServer: number; closeCodes: Record<string, number> }
  | { type: 'closed' };

const sockets: DeviceSocket[] = [];
let closedByServer = 0;
const closeCodes: Record<string, number> = {};

function reply(msg: FromWorker): void {
  process.send!(msg);
}

process.on('message', (msg: ToWorker) => {
  void handle(msg).catch((err) => {
    process.stderr.write(`[idle-worker ${process.pid}] ${String(err)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(msg: ToWorker): Promise<void> {
  if (msg.cmd === 'open') {
    let opened = 0;
    let failed = 0;
    const errorSamples: string[] = [];
    const timer = setInterval(() => reply({ type: 'progress', opened, failed }), 2000);
    await mapLimit(msg.tokens, msg.concurrency, async (token) => {
      try {
        const s = await connectLive(msg.wsBase, token, { localAddress: msg.localAddress, timeoutMs: 30_000 });
        s.onUnexpectedClose = (code) => {
          closedByServer++;
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        };
        sockets.push(s);
        opened++;
      } catch (err) {
        failed++;
        if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
      }
    });
    clearInterval(timer);
    reply({ type: 'opened', opened, failed, errorSamples });
  } else if (msg.cmd === 'check') {
    let answered = 0;
    await mapLimit(sockets, msg.concurrency, async (s) => {
      if (!s.open) return;
      try {
        await s.ping(30_000);
        answered++;
      } catch {
        /* counted as not answering */
      }
    });
    reply({ type: 'checked', open: sockets.filter((s) => s.open).length, answeredPing: answered, closedByServer, closeCodes });
  } else if (msg.cmd === 'close') {
    await mapLimit(sockets, 500, (s) => s.close());
    reply({ type: 'closed' });
    process.disconnect();
  }
}
