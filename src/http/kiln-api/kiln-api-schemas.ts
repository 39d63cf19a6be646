/** JSON schemas of Kiln's native API, for validation where noted and for the OpenAPI document. */

export const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: true,
    },
  },
} as const;

export const errorResponses = {
  400: { description: 'Invalid input', ...errorBody },
  401: { description: 'Missing or invalid API token', ...errorBody },
  404: { description: 'Not found', ...errorBody },
} as const;

export const assetIdParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'Asset id' } },
  required: ['id'],
} as const;

export const assetSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['file', 'image', 'video'] },
    status: { type: 'string' },
    size: { type: 'integer', description: 'Bytes' },
    contentType: { type: 'string' },
    sha256: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    metadata: { type: 'object', additionalProperties: true },
    stored: { type: 'boolean' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    width: { type: ['integer', 'null'] },
    height: { type: ['integer', 'null'] },
    durationSeconds: { type: ['number', 'null'] },
    source: {
      type: 'string',
      description: 'The API that created it: kiln, cloudflare-stream, uploadcare...',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    url: { type: ['string', 'null'], description: 'Signed link to the original bytes (valid 7 days)' },
  },
} as const;

export const assetListSchema = {
  type: 'object',
  properties: {
    assets: { type: 'array', items: assetSchema },
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['file', 'image', 'video'] },
    search: { type: 'string', maxLength: 200, description: 'Matches the name' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
} as const;

const limitValue = (description: string) => ({
  type: ['integer', 'null'],
  minimum: 1,
  description: `${description}; null: no limit`,
});

/** An account's limits, as the operator set them (null where there is none). */
export const accountLimitsSchema = {
  type: 'object',
  properties: {
    maxFileSize: limitValue('Largest single file, bytes'),
    maxFiles: limitValue('Most live files'),
    maxStorageBytes: limitValue('Most bytes stored (originals, renditions and variants)'),
  },
  additionalProperties: false,
} as const;

export const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Also the Cloudflare account id' },
    name: { type: 'string' },
    limits: accountLimitsSchema,
    storedBytes: { type: 'integer', description: 'Bytes stored: originals, renditions and variants' },
    assets: { type: 'integer' },
  },
} as const;
