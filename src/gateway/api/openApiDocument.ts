import { BACKENDS } from '../../protocol/messages.ts'
import { dtypes } from '../../protocol/tensor/dtypes.ts'
import { MAX_PRIORITY, MIN_PRIORITY } from './parseJobRequest.ts'

export type OpenApiDocumentParameters = {
  version: string
  maxBatchJobs: number
  maxWaitSeconds: number
  maxRedundancy: number
  maxAttempts: number
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

const jobBody = {
  required: true,
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/JobRequest' } },
    'application/cbor': {
      schema: { $ref: '#/components/schemas/JobRequest' },
      description: 'The same fields as JSON, with tensor data as CBOR byte strings.',
    },
  },
}

/**
 * The OpenAPI 3.1 description of the requester API, served at /v1/openapi.json. Written out
 * rather than generated, so it reads as documentation; test/gateway/jobApi.test.ts checks that
 * every route it lists answers.
 */
export function openApiDocument(parameters: OpenApiDocumentParameters) {
  const jobView = { $ref: '#/components/schemas/Job' }
  const jobJson = {
    'application/json': { schema: jobView },
    'application/cbor': { schema: jobView },
  }
  const auth = [{ apiKey: [] }]
  const jobId = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', format: 'uuid' },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Inference Grid requester API',
      version: parameters.version,
      description:
        'Submit ONNX inference jobs to the grid and read their verified results. Tensors travel as base64 in JSON, or as byte strings in CBOR (send Content-Type and Accept: application/cbor). Errors are `{ error: { code, message } }` with a stable code.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A requester API key from the operator (`npx tsx src/gateway/cli/apiKeysCli.ts create --name <who>`, or POST /v1/operator/api-keys).',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
        Tensor: {
          type: 'object',
          required: ['dtype', 'dims', 'data'],
          additionalProperties: false,
          properties: {
            dtype: { enum: Object.keys(dtypes) },
            dims: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 8 },
            data: {
              type: 'string',
              contentEncoding: 'base64',
              description: 'Raw little-endian elements, row-major (a byte string in CBOR).',
            },
          },
        },
        JobRequest: {
          type: 'object',
          required: ['model', 'inputs'],
          additionalProperties: false,
          properties: {
            model: {
              type: 'string',
              description: 'Model id (0x + sha256 of the ONNX file) or name.',
            },
            inputs: {
              type: 'object',
              additionalProperties: { $ref: '#/components/schemas/Tensor' },
              description: 'Every input of the model manifest, with its dtype and dims.',
            },
            outputs: {
              type: 'array',
              items: { type: 'string' },
              description: 'Outputs wanted (default: all of the model’s).',
            },
            priority: { type: 'integer', minimum: MIN_PRIORITY, maximum: MAX_PRIORITY, default: 0 },
            redundancy: {
              type: 'integer',
              minimum: 1,
              maximum: parameters.maxRedundancy,
              default: 1,
              description: 'Distinct wallets that must each return a result.',
            },
            maxAttempts: { type: 'integer', minimum: 1, maximum: parameters.maxAttempts },
            price: {
              oneOf: [
                { type: 'integer', minimum: 0 },
                { type: 'string', pattern: '^[0-9]{1,18}$' },
              ],
              description:
                'Micro-credits each verified result earns (worker share, partner share and network fee add up to it); default: the gateway’s --job-price.',
            },
          },
        },
        Job: {
          type: 'object',
          required: ['id', 'status', 'model', 'createdAt', 'results'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { enum: ['queued', 'leased', 'completed', 'failed', 'cancelled'] },
            model: { type: 'string' },
            outputs: { type: 'array', items: { type: 'string' } },
            priority: { type: 'integer' },
            redundancy: { type: 'integer' },
            attempts: { type: 'integer' },
            failures: { type: 'integer' },
            createdAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: ['string', 'null'], format: 'date-time' },
            error: {
              oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/Error/properties/error' }],
            },
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  outputs: {
                    type: 'object',
                    additionalProperties: { $ref: '#/components/schemas/Tensor' },
                  },
                  outputHash: { type: 'string' },
                  backend: { enum: [...BACKENDS] },
                  worker: {
                    type: 'object',
                    properties: {
                      peerId: { type: 'string' },
                      wallet: { type: ['string', 'null'] },
                    },
                  },
                  inferenceMs: { type: 'number' },
                  totalMs: { type: 'number' },
                  receivedAt: { type: 'string', format: 'date-time' },
                },
              },
              description: 'Results not found invalid (for a redundant job, the majority’s).',
            },
            verification: {
              type: 'object',
              required: ['requested', 'level', 'requestedReplicas', 'replicas', 'price'],
              properties: {
                requested: { enum: ['spot-check', 'redundant'] },
                level: {
                  enum: ['pending', 'unchecked', 'spot-checked', 'redundant', 'failed'],
                  description:
                    'pending until decided; spot-checked: matched the gateway’s onnxruntime-node re-run; unchecked: not sampled (accepted on the worker’s standing); redundant: a majority of distinct wallets agreed; failed: no majority even with extra replicas.',
                },
                requestedReplicas: { type: 'integer' },
                replicas: { type: 'integer', description: 'Verification may add replicas.' },
                verifiedAt: { type: ['string', 'null'], format: 'date-time' },
                price: { type: 'string', description: 'Micro-credits per verified result.' },
              },
            },
            receipts: {
              type: 'array',
              description: 'Every result received: who signed what, and the verifier’s decision.',
              items: {
                type: 'object',
                properties: {
                  leaseId: { type: 'integer' },
                  worker: {
                    type: 'object',
                    properties: {
                      peerId: { type: 'string' },
                      wallet: { type: ['string', 'null'] },
                      sessionKey: { type: 'string' },
                    },
                  },
                  backend: { enum: [...BACKENDS] },
                  outputHash: { type: 'string' },
                  signature: {
                    type: 'string',
                    description: 'The session key’s signature over the EIP-712 Result.',
                  },
                  receivedAt: { type: 'string', format: 'date-time' },
                  decision: { enum: ['valid', 'invalid', 'unchecked', 'pending'] },
                  method: {
                    type: ['string', 'null'],
                    enum: ['redundancy', 'spot-check', 'sampling', 'standing', 'recheck', null],
                  },
                  detail: { type: ['string', 'null'] },
                  decidedAt: { type: ['string', 'null'], format: 'date-time' },
                },
              },
            },
          },
        },
      },
    },
    paths: {
      '/v1/jobs': {
        post: {
          summary: 'Submit a job',
          security: auth,
          requestBody: jobBody,
          responses: {
            '202': { description: 'Queued.', content: jobJson },
            '400': errorResponse('Malformed request (JOB_REQUEST_INVALID, TENSOR_*, BAD_REQUEST).'),
            '401': errorResponse('No or unknown API key (API_KEY_MISSING, API_KEY_INVALID).'),
            '413': errorResponse('Body or inputs too large (PAYLOAD_TOO_LARGE, JOB_TOO_LARGE).'),
            '415': errorResponse('Neither JSON nor CBOR.'),
            '422': errorResponse('Unknown model or inputs that do not match its manifest.'),
            '429': errorResponse(
              'RATE_LIMITED, QUOTA_EXCEEDED or REQUESTER_QUEUE_FULL (too many jobs open for this key); see Retry-After.',
            ),
          },
        },
      },
      '/v1/jobs:batch': {
        post: {
          summary: `Submit up to ${parameters.maxBatchJobs} jobs at once (all or none)`,
          security: auth,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['jobs'],
                  properties: {
                    jobs: {
                      type: 'array',
                      maxItems: parameters.maxBatchJobs,
                      items: { $ref: '#/components/schemas/JobRequest' },
                    },
                  },
                },
              },
              'application/cbor': {},
            },
          },
          responses: {
            '202': { description: 'Queued: `{ jobs: [{ id, status }] }`, in request order.' },
            '400': errorResponse('A job is malformed (the message names it: jobs[i]).'),
            '401': errorResponse('No or unknown API key.'),
            '413': errorResponse('Too many jobs or too large.'),
            '422': errorResponse('A job does not match its model.'),
            '429': errorResponse(
              'Rate limit, daily quota or open-jobs limit (REQUESTER_QUEUE_FULL).',
            ),
          },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          summary: 'Read a job, optionally waiting for it to finish',
          security: auth,
          parameters: [
            jobId,
            {
              name: 'wait',
              in: 'query',
              schema: { type: 'number', minimum: 0, maximum: parameters.maxWaitSeconds },
              description:
                'Long-poll: answer as soon as the job is completed, failed or cancelled, or after this many seconds.',
            },
          ],
          responses: {
            '200': { description: 'The job.', content: jobJson },
            '404': errorResponse('JOB_NOT_FOUND (also for other keys’ jobs).'),
          },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a queued or running job',
          security: auth,
          parameters: [jobId],
          responses: {
            '200': { description: 'Cancelled.', content: jobJson },
            '404': errorResponse('JOB_NOT_FOUND.'),
            '409': errorResponse('JOB_NOT_CANCELLABLE: already completed, failed or cancelled.'),
          },
        },
      },
      '/v1/network': {
        get: {
          summary: 'The gateway’s libp2p peer id and multiaddrs (for workers to dial)',
          responses: { '200': { description: 'Network info.' } },
        },
      },
      '/v1/delegations/nonce': {
        post: {
          summary: 'A single-use nonce for a wallet delegation',
          responses: { '201': { description: '`{ nonce, expiresAt }`.' } },
        },
      },
    },
  }
}
