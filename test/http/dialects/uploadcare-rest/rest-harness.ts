import { UploadcareAuthSchema, UploadcareSimpleAuthSchema } from '@uploadcare/rest-client';
import type { AccountCredentials } from '../../../../src/core/accounts/account.js';
import { type StartKilnOptions, startKiln, type TestKiln } from '../../../support/start-kiln.js';

/** A Kiln, one Uploadcare project, and the official REST client's settings pointed at it. */
export interface RestHarness {
  kiln: TestKiln;
  account: AccountCredentials;
  /** `apiBaseURL` is the only change from a stock setup (the client keeps only its origin). */
  signed: { apiBaseURL: string; authSchema: UploadcareAuthSchema };
  simple: { apiBaseURL: string; authSchema: UploadcareSimpleAuthSchema };
  /** The Upload API client's options for the same project. */
  upload: { publicKey: string; baseURL: string; baseCDN: string };
}

export async function startRest(options: StartKilnOptions = {}): Promise<RestHarness> {
  const kiln = await startKiln({ ...options, env: { KILN_ALLOW_PRIVATE_FETCH: '1', ...options.env } });
  const account = await kiln.createAccount();
  return { kiln, account, ...settingsFor(kiln, account) };
}

export function settingsFor(kiln: TestKiln, account: AccountCredentials) {
  const { publicKey, secretKey } = account.uploadcare;
  return {
    signed: { apiBaseURL: kiln.url, authSchema: new UploadcareAuthSchema({ publicKey, secretKey }) },
    simple: { apiBaseURL: kiln.url, authSchema: new UploadcareSimpleAuthSchema({ publicKey, secretKey }) },
    upload: { publicKey, baseURL: `${kiln.url}/uploadcare`, baseCDN: kiln.url },
  };
}

export const ACCEPT = 'application/vnd.uploadcare-v0.7+json';
