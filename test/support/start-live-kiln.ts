import { connect } from 'node:net';
import { freePort } from './free-port.js';
import { type StartKilnOptions, startKiln, type TestKiln } from './start-kiln.js';

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A Kiln whose live ingest listens on a fresh RTMP port. A port found free can be taken by another
 * socket before Kiln binds it (a busy machine opens many client connections); Kiln then runs without
 * live ingest, as a second worker on one host does, so the start is retried on another port.
 */
export async function startLiveKiln(
  env: (ports: { rtmpPort: number }) => Promise<Record<string, string>> | Record<string, string>,
  options: StartKilnOptions = {},
): Promise<{ kiln: TestKiln; rtmpPort: number }> {
  for (let attempt = 1; ; attempt++) {
    const rtmpPort = await freePort();
    const kiln = await startKiln({
      ...options,
      env: { ...options.env, KILN_RTMP_PORT: String(rtmpPort), ...(await env({ rtmpPort })) },
    });
    if (await listening(rtmpPort)) return { kiln, rtmpPort };
    await kiln.close();
    if (attempt === 3) throw new Error(`live ingest did not listen on a fresh RTMP port (${attempt} tries)`);
  }
}
