import { createHash } from 'node:crypto'
import type { Hex } from 'viem'
import type { GridDomain } from '../../protocol/eip712/createGridDomain.ts'
import { resultClaimFromMessage } from '../../protocol/eip712/resultClaimFromMessage.ts'
import type { SessionKeyType } from '../../protocol/eip712/sessionKeyTypes.ts'
import { verifyResultSignature } from '../../protocol/eip712/verifyResultSignature.ts'
import { SignatureError } from '../../protocol/errors/SignatureError.ts'
import { encodeTensorMapCanonical } from '../../protocol/hash/encodeTensorMapCanonical.ts'
import type { ResultMessage } from '../../protocol/messages.ts'
import type { WebCryptoKey } from '../../protocol/utils/WebCryptoKey.ts'
import { ResultRejectedError } from '../errors/work.ts'
import type { ActiveLease } from '../scheduler/createScheduler.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import { matchOutputs } from '../scheduler/matchTensorSpecs.ts'

export type CheckResultParameters = {
  lease: Pick<ActiveLease, 'jobId' | 'modelId' | 'inputHash' | 'outputNames' | 'axes'>
  result: ResultMessage
  catalog: ModelCatalog
  session: { verifyKey: WebCryptoKey; publicKey: Hex; keyType: SessionKeyType }
  domain: GridDomain
}

export type CheckResultReturnType = {
  /** Canonical tensor-map bytes of the outputs: what `outputHash` covers, and what is stored. */
  outputs: Uint8Array
}

export type CheckResultErrorType = ResultRejectedError | SignatureError

/**
 * Everything a result must satisfy before the gateway accepts it for verification, cheapest
 * first: it answers the job's actual inputs, carries exactly the outputs asked for with the
 * manifest's dtypes and dims, its outputHash is the hash of those outputs, and the session key
 * signed it (over the model id from the gateway's own job record, never the worker's word).
 */
export async function checkResult(
  parameters: CheckResultParameters,
): Promise<CheckResultReturnType> {
  const { lease, result, catalog, session, domain } = parameters
  if (result.inputHash.toLowerCase() !== lease.inputHash.toLowerCase()) {
    throw new ResultRejectedError(
      'RESULT_INPUT_MISMATCH',
      'The result’s inputHash is not the hash of this job’s inputs.',
      { jobId: lease.jobId },
    )
  }
  const manifest = catalog.getManifest(lease.modelId)
  const mismatch = manifest
    ? matchOutputs(manifest, lease.outputNames, result.outputs, new Map(Object.entries(lease.axes)))
    : namesMismatch(lease.outputNames, result.outputs)
  if (mismatch) {
    throw new ResultRejectedError('RESULT_OUTPUT_INVALID', mismatch.message, {
      jobId: lease.jobId,
      tensor: mismatch.tensor,
    })
  }
  const outputs = encodeTensorMapCanonical(result.outputs)
  const outputHash = `0x${createHash('sha256').update(outputs).digest('hex')}`
  if (outputHash !== result.outputHash.toLowerCase()) {
    throw new ResultRejectedError(
      'RESULT_HASH_MISMATCH',
      'The result’s outputHash is not the hash of its outputs.',
      { jobId: lease.jobId },
    )
  }
  const valid = await verifyResultSignature({
    publicKey: session.verifyKey,
    keyType: session.keyType,
    result: resultClaimFromMessage(result, {
      modelId: lease.modelId,
      sessionKey: session.publicKey,
    }),
    signature: result.signature,
    domain,
  })
  if (!valid) {
    throw new SignatureError('The result signature does not verify under the session key.', {
      code: 'RESULT_INVALID_SIGNATURE',
      details: { jobId: lease.jobId },
    })
  }
  return { outputs }
}

function namesMismatch(
  outputNames: readonly string[],
  outputs: ResultMessage['outputs'],
): { tensor: string; message: string } | undefined {
  const names = Object.keys(outputs)
  const extra = names.find((name) => !outputNames.includes(name))
  if (extra !== undefined)
    return { tensor: extra, message: `The output ${extra} was not asked for.` }
  const missing = outputNames.find((name) => !names.includes(name))
  if (missing !== undefined)
    return { tensor: missing, message: `The output ${missing} is missing.` }
  return undefined
}
