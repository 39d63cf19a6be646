import type { Readable } from 'node:stream';
import { connect, type StreamClient } from 'getstream';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { startKiln, type TestKiln } from '../../../support/start-kiln.js';

/** A running Kiln, one account, and getstream SDK clients pointed at it only through `urlOverride`. */
export interface StreamTestbed {
  kiln: TestKiln;
  creds: AccountCredentials;
  options: { urlOverride: { api: string } };
  server: StreamClient;
  alice: StreamClient;
  bob: StreamClient;
}

export async function startStreamTestbed(): Promise<StreamTestbed> {
  const kiln = await startKiln();
  const creds = await kiln.createAccount();
  const options = { urlOverride: { api: `${kiln.url}/api/` } };
  const server = connect(creds.stream.apiKey, creds.stream.apiSecret, undefined, options);
  const alice = connect(creds.stream.apiKey, server.createUserToken('alice'), undefined, options);
  const bob = connect(creds.stream.apiKey, server.createUserToken('bob'), undefined, options);
  return { kiln, creds, options, server, alice, bob };
}

/** The rejection of an SDK call: StreamApiError carries the HTTP response and the parsed body. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; body: Record<string, any>; name: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as {
      response?: { status: number };
      error?: Record<string, any>;
      name?: string;
      constructor: { name: string };
    };
    return { status: e.response?.status ?? 0, body: e.error ?? {}, name: e.constructor.name };
  }
  throw new Error('expected the call to fail');
}

export async function fetchBytes(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** The SDK types name tty's ReadStream; at run time any readable stream is accepted (form-data appends it). */
export function asUpload(stream: Readable): NodeJS.ReadStream {
  return stream as unknown as NodeJS.ReadStream;
}
