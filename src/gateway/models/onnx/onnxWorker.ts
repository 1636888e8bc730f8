/**
 * Entry point of the gateway's ONNX worker thread (started by createOnnxInspector): it owns
 * onnxruntime-node, so that loading and running models never stalls the HTTP event loop.
 */
import { parentPort } from 'node:worker_threads'
import { serializeError } from '../../../protocol/errors/serializeError.ts'
import { inspectModel } from './inspectModel.ts'
import type { OnnxWorkerRequest, OnnxWorkerResponse } from './OnnxWorkerMessage.ts'
import { runModel } from './runModel.ts'

const port = parentPort
if (!port) throw new Error('onnxWorker.ts runs as a worker thread only.')

port.on('message', async (request: OnnxWorkerRequest) => {
  let response: OnnxWorkerResponse
  try {
    const result =
      request.kind === 'run'
        ? await runModel(request.parameters)
        : await inspectModel(request.parameters)
    response = { kind: 'result', id: request.id, result }
  } catch (error) {
    response = { kind: 'error', id: request.id, error: serializeError(error) }
  }
  port.postMessage(response)
})
