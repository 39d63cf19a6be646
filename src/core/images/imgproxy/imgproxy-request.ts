/**
 * One imgproxy URL, checked and understood, in imgproxy's order: the signature before anything else
 * (so an unsigned URL costs no parsing of its options, no lookup and no fetch), then the options,
 * the expiry, and the plan. Security checks of the source (allow-list, size, pixels) follow in the
 * source resolution and the image guard, still before any decode.
 */
import type { TransformPlan } from '../transform-plan.js';
import { IMGPROXY_PUBLIC, imgproxyError } from './imgproxy-error.js';
import { type Presets, parseImgproxyOptions } from './imgproxy-options.js';
import { type ImgproxySource, parseImgproxyPath } from './imgproxy-path.js';
import { imgproxyPlan } from './imgproxy-plan.js';
import { type ImgproxyKeyPair, verifyImgproxySignature } from './imgproxy-signature.js';

export interface ImgproxySettings {
  /** Accept `insecure` (and `unsafe`) in place of a signature (KILN_IMGPROXY_ALLOW_INSECURE). */
  allowInsecure: boolean;
  /** Bytes of the HMAC kept in signatures (KILN_IMGPROXY_SIGNATURE_SIZE, 1..32). */
  signatureSize: number;
  /** Operator-defined presets (KILN_IMGPROXY_PRESETS). */
  presets: Presets;
}

export interface ImgproxyRequest {
  source: ImgproxySource;
  plan: TransformPlan;
  /** For Content-Disposition (imgproxy: from the option, else the source URL's last segment). */
  filename?: string;
  attachment: boolean;
  /** Unix seconds after which the URL answers 404 (imgproxy `expires`). */
  expires?: number;
}

const INSECURE = new Set(['insecure', 'unsafe']);

export function readImgproxyRequest(
  path: string,
  keys: ImgproxyKeyPair | null,
  settings: ImgproxySettings,
  now = Date.now(),
): ImgproxyRequest {
  const parsed = parseImgproxyPath(path);
  const insecure = settings.allowInsecure && INSECURE.has(parsed.signature);
  if (
    !insecure &&
    !(keys && verifyImgproxySignature(parsed.signature, parsed.signedPath, keys, settings.signatureSize))
  )
    throw imgproxyError(403, IMGPROXY_PUBLIC.forbidden, 'Invalid signature', 'signature_invalid');
  const options = parseImgproxyOptions(parsed.options, settings.presets);
  if (options.expires !== undefined && options.expires * 1000 < now)
    throw imgproxyError(404, IMGPROXY_PUBLIC.expired, 'Expired URL', 'signature_expired');
  const plan = imgproxyPlan(options, parsed.extension);
  let filename = options.filename?.name;
  if (filename && options.filename?.encoded) filename = Buffer.from(filename, 'base64url').toString('utf8');
  filename ??= lastSegment(parsed.source.url);
  return {
    source: parsed.source,
    plan,
    ...(filename && { filename }),
    attachment: options.returnAttachment ?? false,
    ...(options.expires !== undefined && { expires: options.expires }),
  };
}

function lastSegment(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0]!;
  const last = path.split('/').filter(Boolean).pop();
  return last && !last.includes(':') ? last.replace(/\.[^.]*$/, '') : undefined;
}

/** KILN_IMGPROXY_PRESETS: `name=option/option,name2=option` (imgproxy's IMGPROXY_PRESETS syntax). */
export function parsePresets(text: string): Presets {
  const out: Record<string, string[]> = {};
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`Invalid preset "${entry}": expected name=options`);
    out[entry.slice(0, eq)] = entry
      .slice(eq + 1)
      .split('/')
      .filter(Boolean);
  }
  return out;
}
