import { type ErrorCode, KilnError } from '../../errors/kiln-error.js';

/**
 * imgproxy's errors: a status and a short public text (the body imgproxy sends when development
 * errors are off), apart from the detail that goes to the log. The dialect renders the public text.
 */
export const IMGPROXY_PUBLIC = {
  invalidUrl: 'Invalid URL',
  forbidden: 'Forbidden',
  expired: 'Expired URL',
  invalidSource: 'Invalid source URL',
  unreachable: 'Source image is unreachable',
  invalidImage: 'Invalid source image',
  unsupportedFormat: 'Resulting image format is not supported',
} as const;

export function imgproxyError(
  status: number,
  publicText: string,
  detail: string,
  code: ErrorCode = status === 403 ? 'forbidden' : status === 422 ? 'processing_failed' : 'not_found',
): KilnError {
  return new KilnError(code, detail, { status, details: { imgproxyPublic: publicText } });
}

/** A processing option imgproxy's open-source edition does not know (Pro options answer the same). */
export function unknownOption(name: string): KilnError {
  return imgproxyError(404, IMGPROXY_PUBLIC.invalidUrl, `Unknown processing option ${name}`);
}

export function invalidArgs(name: string, args: string[]): KilnError {
  return imgproxyError(404, IMGPROXY_PUBLIC.invalidUrl, `Invalid ${name} arguments: ${args.join(':')}`);
}
