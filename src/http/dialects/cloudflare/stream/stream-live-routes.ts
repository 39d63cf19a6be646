import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../../../core/cloudflare-stream/stream-options.js';
import { liveHlsPrefix } from '../../../../core/live/live-addresses.js';
import { LiveInputs } from '../../../../core/live/live-inputs.js';
import type { KilnRuntime } from '../../../../runtime/kiln-runtime.js';
import { cloudflareAccount } from '../cloudflare-auth.js';
import { cfOk } from '../envelope.js';
import { liveInputSummary, liveInputView, liveOutputView } from './live-input-view.js';
import { jsonBody } from './stream-video-routes.js';

/**
 * Live inputs and their restream outputs (reference §3.4). The ingest itself (the one RTMP and SRT
 * ports, live HLS and DASH, recordings) runs in worker processes: src/core/live/live-ingest.ts.
 */
export async function streamLiveRoutes(app: FastifyInstance, opts: { runtime: KilnRuntime }) {
  const { runtime } = opts;
  const inputs = new LiveInputs(runtime);
  const view = (input: Parameters<typeof liveInputView>[1]) => liveInputView(runtime.config, input);
  const liveId = (request: FastifyRequest) => (request.params as { liveId: string }).liveId;

  app.post('/stream/live_inputs', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const key = request.headers['idempotency-key'];
    if (typeof key === 'string' && (key === '' || Buffer.byteLength(key) > 255))
      throw badRequest('Idempotency-Key must be 1 to 255 bytes');
    return cfOk(
      view(await inputs.create(account.id, jsonBody(request), typeof key === 'string' ? key : undefined)),
    );
  });

  app.get('/stream/live_inputs', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const list = await inputs.list(account.id);
    return cfOk({ liveInputs: list.map(liveInputSummary), range: list.length, total: list.length });
  });

  app.get('/stream/live_inputs/:liveId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(view(await inputs.require(account.id, liveId(request))));
  });

  app.put('/stream/live_inputs/:liveId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(view(await inputs.update(account.id, liveId(request), jsonBody(request))));
  });

  app.delete('/stream/live_inputs/:liveId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    await inputs.delete(account.id, liveId(request));
    await runtime.blobs.deletePrefix(liveHlsPrefix(account.id, liveId(request)));
    return cfOk('');
  });

  app.post('/stream/live_inputs/:liveId/outputs', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    return cfOk(liveOutputView(await inputs.createOutput(account.id, liveId(request), jsonBody(request))));
  });

  app.get('/stream/live_inputs/:liveId/outputs', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    await inputs.require(account.id, liveId(request));
    return cfOk((await inputs.outputs(liveId(request))).map(liveOutputView));
  });

  app.put('/stream/live_inputs/:liveId/outputs/:outputId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { outputId } = request.params as { outputId: string };
    const output = await inputs.updateOutput(
      account.id,
      liveId(request),
      outputId,
      jsonBody(request).enabled,
    );
    return cfOk(liveOutputView(output));
  });

  app.delete('/stream/live_inputs/:liveId/outputs/:outputId', async (request) => {
    const account = await cloudflareAccount(runtime, request);
    const { outputId } = request.params as { outputId: string };
    await inputs.deleteOutput(account.id, liveId(request), outputId);
    return cfOk('');
  });
}
