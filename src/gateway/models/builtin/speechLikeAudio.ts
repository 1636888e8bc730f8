import { xorshift32 } from './xorshift32.ts'

export type SpeechLikeAudioParameters = {
  samples: number
  /** Sample rate in Hz. */
  sampleRate: number
  /** Fundamental frequency (voice pitch) in Hz. */
  f0: number
  /** Peak amplitude of the added white noise. */
  noise: number
  seed: number
}

// Formants of an open vowel (/a/): centre frequency and bandwidth in Hz.
const formants: readonly (readonly [number, number])[] = [
  [700, 130],
  [1220, 70],
  [2600, 160],
]

/**
 * A voiced, vowel-like signal: the harmonics of `f0` shaped by three formant resonances,
 * amplitude-modulated at a syllable rate of 4 Hz, plus a little white noise. Silero VAD scores one
 * 32 ms chunk of it (zero state) at about 0.46: mid-range, where a backend's numeric error shows
 * most, unlike silence (about 0.06) or a long vowel (about 0.8).
 */
export function speechLikeAudio({
  samples,
  sampleRate,
  f0,
  noise,
  seed,
}: SpeechLikeAudioParameters): Float32Array {
  const random = xorshift32(seed)
  const out = new Float32Array(samples)
  const harmonics: { frequency: number; gain: number; phase: number }[] = []
  for (let h = 1; h * f0 < sampleRate / 4; h++) {
    const frequency = h * f0
    let gain = 0
    for (const [centre, bandwidth] of formants)
      gain += 1 / (1 + ((frequency - centre) / bandwidth) ** 2)
    harmonics.push({ frequency, gain: gain / Math.sqrt(h), phase: h })
  }
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate
    let voiced = 0
    for (const { frequency, gain, phase } of harmonics)
      voiced += gain * Math.sin(2 * Math.PI * frequency * t + phase)
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t)
    out[i] = 0.15 * voiced * envelope + noise * (random() * 2 - 1)
  }
  return out
}
