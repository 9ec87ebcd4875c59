/** The provider node's HTTP API as an OpenAPI 3.1 document, served at GET /api/v1/openapi.json. */

const error = { $ref: '#/components/schemas/Error' };
const jobIdParam = { name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'The on-chain job id (ComputeMarket); any job of a run over several datasets answers for the run.' };
const auth = [{ siwe: [] }];

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Datagora provider node',
    version: '1',
    description:
      'Compute-to-data: runs a buyer’s algorithm next to a dataset in a sandbox with no network, checks the outputs for raw data, and releases only results encrypted to the buyer, with an EIP-712 receipt that settles the job’s escrow on ComputeMarket. Statuses follow Ocean’s lifecycle: queued → provisioning → running → filtering → publishing → finished | failed (or cancelled).',
  },
  components: {
    securitySchemes: {
      siwe: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: '`SIWE <base64url(JSON {message, signature})>`: an EIP-4361 message for this node’s host and chain, valid ≤ 15 min, whose resources name `urn:datagora:job:<chainId>:<jobId>` (and, on submission, `urn:datagora:result-key:<key>`), signed by the job’s buyer — or, for its report and log, by the current on-chain owner of its dataset (DatasetRegistry.datasetOwner).',
      },
    },
    schemas: {
      Error: { type: 'object', required: ['error', 'reason'], properties: { error: { type: 'string', description: 'A stable reason code.' }, reason: { type: 'string' }, hint: { type: 'string' } } },
      Environment: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          kind: { enum: ['cpu', 'gpu'] },
          cpus: { type: 'integer' },
          memoryMb: { type: 'integer' },
          gpus: { type: 'integer' },
          gpuModel: { type: 'string' },
          pricePerMinute: { type: 'string', description: 'Stablecoin base units.' },
        },
      },
      Submission: {
        type: 'object',
        required: ['jobId', 'algorithm', 'resultKey'],
        properties: {
          jobId: { type: 'string', description: 'The job; for a run over several datasets (jobs linked by one requestJob), its first job: the node reads the others from the chain (ComputeMarket.jobGroup) and runs the algorithm once over every dataset, each at /data/inputs/<datasetId>/0.' },
          algorithm: { type: 'object', required: ['name', 'content'], properties: { name: { type: 'string', description: '`*.py` (Python 3 with numpy, pandas, scikit-learn, matplotlib) or `*.js`/`*.mjs`/`*.cjs` (Node.js).' }, content: { type: 'string', contentEncoding: 'base64', description: 'Standard base64, padded. Its SHA-256 must equal the job’s committed algorithmHash.' } } },
          params: { description: 'Any JSON nested at most 32 levels; the algorithm reads it at /data/inputs/algoCustomData.json. For a template, the parameters its schema in /api/v1/environments takes.' },
          model: { type: 'string', contentEncoding: 'base64', description: 'For the `evaluate` template only: the pickled scikit-learn model it scores, at most 4 MiB.' },
          resultKey: { type: 'string', description: 'Raw X25519 public key (base64url) the results are encrypted to.' },
        },
      },
      Job: {
        type: 'object',
        properties: {
          jobId: { type: 'string' },
          datasetId: { type: 'string' },
          providerId: { type: 'string' },
          buyer: { type: 'string' },
          algorithmHash: { type: 'string' },
          status: { enum: ['queued', 'provisioning', 'running', 'filtering', 'publishing', 'finished', 'failed', 'cancelled'] },
          reason: { type: 'string', description: 'Failure reason code.' },
          reasonText: { type: 'string' },
          detail: { type: 'string', description: 'In the node’s words; never text the algorithm wrote.' },
          history: { type: 'array', items: { type: 'object', properties: { status: { type: 'string' }, at: { type: 'string', format: 'date-time' }, detail: { type: 'string' } } } },
          minutesUsed: { type: 'integer' },
          settlement: { type: 'object', properties: { txHash: { type: 'string' }, delivered: { type: 'boolean' } } },
          linked: { type: 'array', description: 'A run over several datasets: its other jobs, in order.', items: { type: 'object', properties: { jobId: { type: 'string' }, datasetId: { type: 'string' }, settlement: { type: 'object', properties: { txHash: { type: 'string' }, delivered: { type: 'boolean' } } } } } },
          guard: {
            type: 'object',
            description: 'When the output guard refused the outputs: how many findings, of which kinds — counts only (the findings are in the report).',
            properties: { findings: { type: 'integer' }, kinds: { type: 'object', additionalProperties: { type: 'integer' }, description: 'verbatim-leak, small-group, undecodable, layout, too-many-files, unreadable, output-too-large.' } },
          },
        },
      },
      Finding: {
        type: 'object',
        required: ['kind'],
        description: 'Where, never what: entries are named by number, details are the guard’s own words and numbers.',
        properties: {
          kind: { enum: ['verbatim-leak', 'small-group', 'undecodable', 'layout', 'too-many-files', 'unreadable', 'output-too-large'] },
          file: { type: 'string', description: '`outputs entry #<n>` / `logs entry #<n>` (the n-th entry walking depth first, names sorted), `outputs` / `logs` (the directory itself) or `entry names` (the names of all entries, scanned like content).' },
          encoding: { type: 'string', description: 'The decoding layers the leak was found under, e.g. `base64>gzip`; `plain` for none.' },
          match: { enum: ['row', 'shingle'] },
          detail: { type: 'string' },
          bytes: { type: 'integer' },
          files: { type: 'integer' },
          limit: { type: 'integer' },
        },
      },
      Report: {
        allOf: [
          { $ref: '#/components/schemas/Job' },
          {
            type: 'object',
            properties: {
              findings: { type: 'array', items: { $ref: '#/components/schemas/Finding' }, description: 'At most 50.' },
              omittedFindings: { type: 'integer' },
              runMs: { type: 'integer' },
              exitCode: { type: ['integer', 'null'] },
              signal: { type: ['string', 'null'] },
            },
          },
        ],
      },
    },
  },
  paths: {
    '/api/v1/health': { get: { summary: 'Node status', responses: { 200: { description: 'Provider id, node key address, jobs running and queued.' } } } },
    '/api/v1/environments': { get: { summary: 'Compute environments and their prices, and the analysis templates', responses: { 200: { description: 'Environments as registered on-chain, detected resources, and `templates`: each analysis template’s name, version, SHA-256 (the algorithmHash a template job commits to), description and parameters as JSON Schema.' } } } },
    '/api/v1/templates/{name}': {
      get: {
        summary: 'An analysis template’s file',
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The Python file: a template job commits to its SHA-256 and submits it as the algorithm.', content: { 'text/x-python': {} } }, 404: { description: 'No such template.' } },
      },
    },
    '/api/v1/jobs': {
      post: {
        summary: 'Submit a paid job’s algorithm',
        security: auth,
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Submission' } } } },
        responses: {
          202: { description: 'Queued.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } },
          400: { description: 'Malformed submission, unsupported runtime, or `mixed-environments` (a run’s jobs in several environments).', content: { 'application/json': { schema: error } } },
          401: { description: 'Missing, expired or invalid sign-in.', content: { 'application/json': { schema: error } } },
          403: { description: '`wrong-provider` (the job, or a job of its run, is assigned to another node) or `not-buyer`.', content: { 'application/json': { schema: error } } },
          404: { description: '`job-not-paid`: no such job on-chain.', content: { 'application/json': { schema: error } } },
          409: { description: '`algorithm-mismatch`, `job-closed`, `already-submitted`, or `not-first-job` (a later job of a run: submit the run as its first job).', content: { 'application/json': { schema: error } } },
          413: { description: 'Algorithm too large.', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/v1/jobs/{jobId}': { get: { summary: 'Job status (public: status and counts only)', parameters: [jobIdParam], responses: { 200: { description: 'The job.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } }, 404: { description: 'Unknown job.' } } } },
    '/api/v1/jobs/{jobId}/events': { get: { summary: 'Live status (Server-Sent Events, public)', parameters: [jobIdParam], responses: { 200: { description: '`event: status` with a Job as data on every change; the stream ends at a final status.', content: { 'text/event-stream': {} } } } } },
    '/api/v1/jobs/{jobId}/report': {
      get: {
        summary: 'The job with the output guard’s findings and how the algorithm ended (buyer or dataset owner)',
        security: auth,
        parameters: [jobIdParam],
        responses: { 200: { description: 'The report.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Report' } } } }, 401: { description: 'Missing, expired or invalid sign-in.', content: { 'application/json': { schema: error } } }, 403: { description: '`not-buyer-or-owner`.', content: { 'application/json': { schema: error } } } },
      },
    },
    '/api/v1/jobs/{jobId}/logs': { get: { summary: 'The node’s log of the job (the algorithm’s own logs come with the results, once guarded)', security: auth, parameters: [jobIdParam], responses: { 200: { description: 'Log lines.' }, 403: { description: '`not-buyer-or-owner`.' } } } },
    '/api/v1/jobs/{jobId}/results': {
      get: {
        summary: 'Signed receipt and encrypted results (buyer only)',
        security: auth,
        parameters: [jobIdParam],
        responses: { 200: { description: 'The receipt, the results manifest CID and the results key wrapped to the buyer’s key (null when nothing was released).' }, 403: { description: 'Not the buyer.' }, 409: { description: 'Not finished yet.' } },
      },
    },
    '/api/v1/federated': {
      post: {
        summary: 'Join a federated job: the plan its jobs committed to and the local step (buyer)',
        description:
          'Body `{jobId, plan, algorithm: {name, content (base64)}, resultKey}`. The node checks, against the chain only: the job paid, this node’s and open; its run (ComputeMarket.jobGroup) of 2 to 8 jobs on as many providers; SHA-256 of the canonical plan equal to the job’s algorithmHash; the plan’s participants exactly the run’s (datasetId, providerId) in order; the local step the plan’s (name and SHA-256); AI training declared and allowed; the dataset’s compute policy (templates-only refuses, `approved` needs the local step approved); with an ε budget, noise (z > 0) and the plan’s ε (Rényi DP over its rounds) within the job’s reservation; the plan’s updates within the job’s byte reservation; its own X25519 agreement key on-chain. Then it accepts the job.',
        security: auth,
        responses: {
          202: { description: 'Joined: the session’s public view.' },
          400: { description: '`malformed-request`, `malformed-plan`, `result-key-mismatch`.', content: { 'application/json': { schema: error } } },
          403: { description: '`wrong-provider`, `not-buyer`, `compute-not-allowed`, `template-required`, `algorithm-not-approved`, `provider-not-allowed`, `noise-required`, `epsilon-over-reservation`, `byte-budget`.', content: { 'application/json': { schema: error } } },
          404: { description: '`job-not-paid`.', content: { 'application/json': { schema: error } } },
          409: { description: '`already-joined`, `job-closed`, `not-federated`, `run-shares-provider`, `plan-mismatch`, `participants-mismatch`, `algorithm-mismatch`, `deadline`, `session-busy`.', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/v1/federated/{jobId}': { get: { summary: 'A federated session’s public view: status (`open`, `publishing`, `finished` — by the buyer’s finish, or by the node 10 minutes before the deadline when the buyer never finished a session that released updates —, `failed` or `closed`), and per attempt its round, outcome, participants, bytes, ε (millionths) and wall time — never a value', parameters: [jobIdParam], responses: { 200: { description: 'The session.' }, 404: { description: '`not-joined`.' } } } },
    '/api/v1/federated/{jobId}/events': { get: { summary: 'The session’s public view on every change (Server-Sent Events, `event: status`); the stream ends once it is finished, failed or closed', parameters: [jobIdParam], responses: { 200: { description: 'The stream.', content: { 'text/event-stream': {} } } } } },
    '/api/v1/federated/{jobId}/rounds': {
      post: {
        summary: 'Run one attempt of one round at this node (buyer): the masked update and its signed receipt',
        description:
          'Body `{round (1..R), attempt (1..), participants: provider ids (2 to 8, of the plan, this node’s among them), model: base64 of d float64 little-endian}`. Rounds go in order: round r+1 once this node answered round r; a retry of a round takes a higher attempt; no attempt runs twice. The local step runs in the sandbox on the dataset (/data/inputs/<datasetId>/0), the model (/data/inputs/model.json) and the plan’s params (/data/inputs/algoCustomData.json), and writes /data/outputs/update.json `{delta: d numbers, samples: n}`. The node clips delta to L2 norm C, adds N(0, (zC)²), weights it by the records it counts in its dataset, encodes [n·Δ′, n] in fixed point mod 2^64 and adds its pairwise masks with the other participants, whose keys it reads from ComputeMarket.agreementKeyOf. Answer `{round, attempt, masked: base64 of d+1 uint64 little-endian, receipt}`; the receipt is EIP-712 `FederatedRound(uint256 jobId,uint32 round,uint32 attempt,bytes32 modelIn,bytes32 updateOut,uint64 epsilon,uint64 bytes)` in ComputeMarket’s domain, signed by the node key.',
        security: auth,
        parameters: [jobIdParam],
        responses: {
          200: { description: 'The masked update and its receipt.' },
          400: { description: '`malformed-request`, `malformed-model`, `round-out-of-range`, `participant-missing`.', content: { 'application/json': { schema: error } } },
          403: { description: '`not-buyer`, `participant-unknown`, `noise-required`, `epsilon-spent` (another release would pass the job’s ε reservation; retries count), `byte-budget-spent`.', content: { 'application/json': { schema: error } } },
          409: { description: '`round-out-of-order`, `round-replayed`, `session-closed`, `session-busy`, `time-spent`, `job-closed`, `agreement-key-changed`, `agreement-key-invalid` (a participant’s key on-chain is unset, of low order or a copy).', content: { 'application/json': { schema: error } } },
          422: { description: 'The attempt failed and released nothing: `update-malformed` (not the update’s shape, non-finite, too large), `algorithm-error`, `timeout`, `memory`, `key-denied`, `data-unavailable`, `data-corrupt`, `update-out-of-range`, `node-error`.', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/v1/federated/{jobId}/finish': {
      post: {
        summary: 'End the training with the final model (buyer): the node settles its job delivered',
        description: 'Body `{model: base64 of d float64}`. Outputs `model.json` (the final model as a JSON array) and `rounds.json` (every round receipt this node signed), encrypted to the result key of the join; the job’s receipt is signed and the job settled delivered (minutes: the rounds’ run time; released bytes: every update and the outputs, at most the reservation). Asked again, a finished session answers the same.',
        security: auth,
        parameters: [jobIdParam],
        responses: { 200: { description: 'As GET /api/v1/jobs/{jobId}/results: `{jobId, status, receipt, results, settlement}`.' }, 409: { description: '`session-closed`, `session-busy`.' }, 502: { description: '`settlement-failed`: the buyer can refund after the deadline.' } },
      },
    },
  },
} as const;
