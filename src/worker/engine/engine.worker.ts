/**
 * Entry of the engine's dedicated module Web Worker (created by createWorkerEngine). It holds the
 * engine and answers the page's proxy. onnxruntime-web is imported lazily by the engine, which
 * also keeps it in a chunk of its own: its WASM threads (Emscripten pthreads) start workers on
 * the URL of the module that contains onnxruntime, and that must not be this entry, or every
 * thread would start another engine.
 */
import { createOrtEngine } from './createOrtEngine.ts'
import { type EngineHostScope, serveEngine } from './serveEngine.ts'

serveEngine(self as unknown as EngineHostScope, createOrtEngine())
