import type { AbortOptions, Stream } from '@libp2p/interface'
import { lpStream, UnexpectedEOFError } from '@libp2p/utils'
import { decodeMessage } from '../protocol/codec/decodeMessage.ts'
import { encodeMessage } from '../protocol/codec/encodeMessage.ts'
import { DecodeError } from '../protocol/errors/DecodeError.ts'
import { MAX_MESSAGE_BYTES } from '../protocol/limits.ts'
import type { Message } from '../protocol/messages.ts'

export type CreateMessageChannelOptions = {
  /** Largest frame accepted or sent, in bytes. Default MAX_MESSAGE_BYTES (32 MiB). */
  maxMessageBytes?: number | undefined
  /**
   * When queued messages are written: sends made before it runs go out in ONE transport write
   * (their frames concatenated), so a burst (a scheduler pass assigning 16 jobs, a batch of
   * results) pays the stream's per-write costs (yamux frame, Noise encryption, socket or data
   * channel send) once. Default queueMicrotask; the gateway passes setImmediate, which also
   * gathers what the rest of the event-loop turn sends.
   */
  schedule?: ((flush: () => void) => void) | undefined
}

/** Work-protocol messages over one libp2p stream, in both directions. */
export type MessageChannel = {
  readonly stream: Stream
  /**
   * The next message, or undefined once the remote has closed its end. Throws a DecodeError (or
   * TensorError) for a frame that is too large or not a valid message: the caller should tell the
   * peer and drop it, since the stream cannot be resynchronised after a bad frame. Stream failures
   * (reset, abort, buffer overflow) are thrown as libp2p raised them.
   */
  read(options?: AbortOptions): Promise<Message | undefined>
  /**
   * Encodes and sends one message. Sends are written in call order, several per transport write
   * when they come together (see `schedule`), and each write waits for the transport to drain,
   * so a slow peer applies backpressure instead of growing a buffer. A send with a signal is
   * written on its own (after what is queued), so its abort cannot take others with it.
   */
  send(message: Message, options?: AbortOptions): Promise<void>
  /** Closes our writing end after queued messages are sent. */
  close(options?: AbortOptions): Promise<void>
  /** Drops the stream at once, discarding anything queued. */
  abort(error: Error): void
}

export type CreateMessageChannelReturnType = MessageChannel

/**
 * Frames work-protocol messages on a libp2p stream: an unsigned varint length, then the message's
 * CBOR bytes (see docs/PROTOCOL.md). The frame length is checked before any byte of the body is
 * buffered, so an oversized frame costs the reader nothing. Runs in browsers and Node.
 */
export function createMessageChannel(
  stream: Stream,
  options: CreateMessageChannelOptions = {},
): CreateMessageChannelReturnType {
  const { maxMessageBytes = MAX_MESSAGE_BYTES } = options
  const lp = lpStream(stream, {
    maxDataLength: maxMessageBytes,
    // Room for one whole frame plus the start of the next: the reader consumes frames as they
    // arrive, so the buffer only holds more when a frame is in transit. WebRTC streams have no
    // per-stream flow control, so the default of 4 MiB would reset large (but legal) messages.
    maxBufferSize: 2 * maxMessageBytes + 16,
  })
  const schedule = options.schedule ?? queueMicrotask
  let writing: Promise<void> = Promise.resolve()
  type Queued = { bytes: Uint8Array; resolve: () => void; reject: (error: unknown) => void }
  let queued: Queued[] = []
  let flushScheduled = false

  /** Writes everything queued when its turn in the write chain comes (after earlier writes). */
  const flush = () => {
    flushScheduled = false
    const sent = writing.then(async () => {
      const batch = queued
      queued = []
      if (batch.length === 0) return
      try {
        if (batch.length === 1 && batch[0]) await lp.write(batch[0].bytes)
        else await lp.writeV(batch.map((q) => q.bytes))
      } catch (error) {
        for (const q of batch) q.reject(error)
        return
      }
      for (const q of batch) q.resolve()
    })
    writing = sent.catch(() => undefined)
  }

  return {
    stream,

    async read(readOptions) {
      let frame: Awaited<ReturnType<typeof lp.read>>
      try {
        frame = await lp.read(readOptions)
      } catch (error) {
        // A clean close between frames surfaces as an EOF while reading the next length prefix.
        if (error instanceof UnexpectedEOFError) return undefined
        throw translateFrameError(error, maxMessageBytes)
      }
      return decodeMessage(frame.subarray(), { maxBytes: maxMessageBytes })
    },

    send(message, sendOptions) {
      // Encode now, so an invalid message fails in the caller's stack, not in the queue.
      const bytes = encodeMessage(message, { maxBytes: maxMessageBytes })
      if (sendOptions?.signal) {
        flush()
        const sent = writing.then(() => lp.write(bytes, sendOptions))
        // A failed write fails this send; later sends still try (and fail on a dead stream).
        writing = sent.catch(() => undefined)
        return sent
      }
      return new Promise<void>((resolve, reject) => {
        queued.push({ bytes, resolve, reject })
        if (flushScheduled) return
        flushScheduled = true
        schedule(flush)
      })
    },

    async close(closeOptions) {
      flush()
      await writing
      await stream.close(closeOptions)
    },

    abort(error) {
      stream.abort(error)
    },
  }
}

function translateFrameError(error: unknown, maxMessageBytes: number): unknown {
  const name = error instanceof Error ? error.name : ''
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new DecodeError(`A frame is longer than the ${maxMessageBytes} bytes accepted.`, {
      code: 'PROTOCOL_OVERSIZED',
      details: { maxBytes: maxMessageBytes },
      cause: error,
    })
  }
  if (name === 'InvalidMessageLengthError') {
    return new DecodeError('A frame has an invalid length prefix.', {
      code: 'PROTOCOL_INVALID_CBOR',
      cause: error,
    })
  }
  return error
}
