import type { FastifyRequest } from 'fastify';
import { type ErrorCode, KilnError } from '../../../core/errors/kiln-error.js';
import type { ErrorRenderer } from '../../errors/error-handler.js';

/**
 * The Uploadcare error table (reference/uploadcare.md §11): code -> [status, message]. `%s` and
 * `%d` are filled in order by ucError's arguments.
 */
const TABLE = {
  AccountLimitsExceededError: [403, 'Account has reached its limits.'],
  AutostoreDisabledError: [403, 'Autostore is disabled.'],
  BaseViewsError: [400, 'Request processing failed.'],
  FileMetadataKeyDuplicatedError: [400, "File's metadata key `%s` has a duplicate."],
  FileMetadataKeyEmptyError: [400, "File's metadata key can not be empty."],
  FileMetadataKeyForbiddenError: [
    400,
    "File's metadata key `%s` contains symbols not allowed by the metadata key format.",
  ],
  FileMetadataKeyLengthTooBigError: [
    400,
    'Length of file metadata key `%s` can not be more than %d symbols.',
  ],
  FileMetadataKeysNumberTooBigError: [400, 'A file can not have more than %d metadata keys.'],
  FileMetadataValueEmptyError: [400, 'Value of the file metadata key `%s` can not be empty.'],
  FileMetadataValueForbiddenError: [
    400,
    'Value of file metadata key `%s` contains symbols not allowed by the metadata value format.',
  ],
  FileMetadataValueLengthTooBigError: [
    400,
    "Value of file metadata's key `%s` can not be more than %d symbols in length.",
  ],
  FileSizeLimitExceededError: [400, 'File is too large.'],
  MethodNotAllowedError: [405, 'HTTP method %s is not allowed for %s'],
  NullCharactersForbiddenError: [400, 'Null characters are not allowed.'],
  PostRequestParserFailedError: [400, 'HTTP POST request parsing failed.'],
  ProjectPublicKeyInvalidError: [403, '%s is invalid.'],
  ProjectPublicKeyRequiredError: [403, '%s is required.'],
  RequestFiledsNumberLimitExceededError: [400, 'The request contains too many HTTP POST fields.'],
  RequestSizeLimitExceededError: [413, 'The size of the request is too large.'],
  RequestThrottledError: [429, 'Request was throttled.'],
  SignatureExpirationError: [403, 'Expired signature.'],
  SignatureExpirationInvalidError: [400, '`expire` must be a UNIX timestamp.'],
  SignatureExpirationRequiredError: [400, '`expire` is required.'],
  SignatureInvalidError: [403, 'Invalid signature.'],
  SignatureRequiredError: [400, '`signature` is required.'],
  UploadAPIError: [500, 'Internal error.'],
  UploadFailedError: [403, 'Upload failed.'],
  FileIdInvalidError: [400, 'file_id is invalid.'],
  FileIdRequiredError: [400, 'file_id is required.'],
  FileIdNotUniqueError: [400, 'File id must be unique.'],
  FileNotFoundError: [404, 'File is not found.'],
  FileRequiredError: [400, 'There should be a file.'],
  FilesNumberLimitExceededError: [400, 'There are too many files.'],
  FilesRequiredError: [400, 'Request does not contain files.'],
  MultipartFileAlreadyUploadedError: [400, 'File is already uploaded.'],
  MultipartFileCompletionFailedError: [400, 'Can not complete upload. Wrong parts size?'],
  MultipartFileIdRequiredError: [400, 'uuid is required.'],
  MultipartFileNotFoundError: [404, 'File is not found.'],
  MultipartFileSizeLimitExceededError: [400, 'File size exceeds project limit.'],
  MultipartFileSizeTooSmallError: [
    400,
    'File size can not be less than %d bytes. Please use direct upload instead of multipart.',
  ],
  MultipartPartSizeInvalidError: [400, 'Multipart Upload Part Size should be an integer.'],
  MultipartPartSizeTooBigError: [400, 'Multipart Upload Part Size can not be more than %d bytes.'],
  MultipartPartSizeTooSmallError: [400, 'Multipart Upload Part Size can not be less than %d bytes.'],
  MultipartSizeInvalidError: [400, 'size should be integer.'],
  MultipartUploadSizeTooLargeError: [400, 'Uploaded size is more than expected.'],
  MultipartUploadSizeTooSmallError: [400, 'File size mismatch. Not all parts uploaded?'],
  RequestParamRequiredError: [400, '%s is required.'],
  SourceURLRequiredError: [400, 'source_url is required.'],
  TokenRequiredError: [400, 'token is required.'],
  UUIDInvalidError: [400, 'uuid is invalid.'],
  UploadViewsError: [400, 'Upload request processing failed.'],
  GroupFileURLParsingFailedError: [400, 'This is not valid file url: %s.'],
  GroupFilesInvalidError: [400, 'No files[N] parameters found.'],
  GroupFilesNotFoundError: [400, 'Some files not found.'],
  GroupIdRequiredError: [400, 'group_id is required.'],
  GroupNotFoundError: [404, 'group_id is invalid.'],
  HostnameNotFoundError: [400, 'Host does not exist.'],
  URLHostMalformedError: [400, 'URL host is malformed.'],
  URLHostPrivateIPForbiddenError: [400, 'Only public IPs are allowed.'],
  URLHostRequiredError: [400, 'No URL host supplied.'],
  URLParsingFailedError: [400, 'Failed to parse URL.'],
  URLRedirectsLimitExceededError: [400, 'Too many redirects.'],
  URLSchemeInvalidError: [400, 'Invalid URL scheme.'],
  URLSchemeRequiredError: [400, 'No URL scheme supplied.'],
  URLValidationError: [400, 'Failed to validate URL.'],
} as const satisfies Record<string, readonly [number, string]>;

export type UcErrorCode = keyof typeof TABLE;

const KILN_CODE: Record<number, ErrorCode> = {
  400: 'invalid_input',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_input',
  413: 'payload_too_large',
  429: 'rate_limited',
  500: 'internal',
};

export function ucMessage(code: UcErrorCode, ...args: Array<string | number>): string {
  let i = 0;
  return TABLE[code][1].replace(/%[sd]/g, () => String(args[i++] ?? ''));
}

/** A KilnError carrying its Uploadcare code, status and filled-in message. */
export function ucError(code: UcErrorCode, ...args: Array<string | number>): KilnError {
  const status = TABLE[code][0];
  return new KilnError(KILN_CODE[status] ?? 'invalid_input', ucMessage(code, ...args), {
    status,
    details: { ucCode: code },
  });
}

/** Errors the core raised in its own words, in Uploadcare's vocabulary. */
function codeFor(err: KilnError): UcErrorCode {
  const named = err.details.ucCode;
  if (typeof named === 'string' && named in TABLE) return named as UcErrorCode;
  switch (err.code) {
    case 'payload_too_large':
      return err.details.limit !== undefined ? 'FileSizeLimitExceededError' : 'RequestSizeLimitExceededError';
    case 'rate_limited':
      return 'RequestThrottledError';
    case 'not_found':
      return 'FileNotFoundError';
    case 'limit_exceeded':
      return err.details.accountLimit === 'maxFileSize'
        ? 'FileSizeLimitExceededError'
        : 'AccountLimitsExceededError';
    case 'unsupported_media_type':
      return 'PostRequestParserFailedError';
    case 'invalid_input':
      return 'UploadViewsError';
    default:
      return err.status >= 500 ? 'UploadAPIError' : 'UploadFailedError';
  }
}

/** Truthy `jsonerrors` (query): the SDK's mode, HTTP 200 with the envelope. */
export function wantsJsonErrors(request: FastifyRequest): boolean {
  const v = (request.query as Record<string, unknown> | undefined)?.jsonerrors;
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s !== '' && s !== '0' && s.toLowerCase() !== 'false';
}

/**
 * jsonerrors rule (reference §1.3): with `jsonerrors` the error is HTTP 200 with
 * `{error:{status_code, content, error_code}}` (the SDK ignores the status and reads the body);
 * without it, the table's status with the message as text/plain.
 */
export const renderUploadcareError: ErrorRenderer = (err, request) => {
  const code = codeFor(err);
  const status = err.details.ucCode ? err.status : TABLE[code][0];
  const content =
    err.details.ucCode || code === 'UploadViewsError' || code === 'UploadFailedError'
      ? err.status >= 500
        ? TABLE.UploadAPIError[1]
        : err.message
      : TABLE[code][1];
  const headers: Record<string, string> = {};
  if (wantsJsonErrors(request)) {
    headers['content-type'] = 'application/json; charset=utf-8';
    return { status: 200, headers, body: { error: { status_code: status, content, error_code: code } } };
  }
  headers['content-type'] = 'text/plain; charset=utf-8';
  return { status, headers, body: content };
};
