// tsyringe, under @peculiar/x509, needs the Reflect metadata polyfill loaded before it.
import 'reflect-metadata'
import { createHash, randomBytes, webcrypto } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { BasicConstraintsExtension, X509CertificateGenerator } from '@peculiar/x509'

/** The WebRTC-Direct certificate in the form `webRTCDirect({ certificate })` takes. */
export type WebRtcDirectCertificate = {
  /** PKCS #8 PEM of the certificate's ECDSA P-256 key. */
  privateKey: string
  /** PEM of the self-signed certificate. */
  pem: string
  /** Multibase (base64url, 'u') sha2-256 multihash of the DER certificate, as in /certhash/. */
  certhash: string
}

export type LoadOrCreateNodeIdentityParameters = {
  /** The gateway's data directory; the identity lives in its `p2p/` subdirectory. */
  dataDir: string
  /** Validity of a newly made certificate. Default 365 days. */
  certificateLifespanMs?: number | undefined
  /** A stored certificate with less validity left than this is replaced at start. Default 30 days. */
  certificateRenewBeforeMs?: number | undefined
  now?: (() => number) | undefined
}

export type LoadOrCreateNodeIdentityReturnType = {
  privateKey: PrivateKey
  certificate: WebRtcDirectCertificate
  /** Certificate expiry, ms since the epoch. */
  certificateNotAfter: number
  /** What this call had to create (empty when both were loaded). */
  created: ('peer-key' | 'certificate')[]
}

const DAY_MS = 86_400_000
export const peerKeyFileName = 'peer-key.pb'
export const certificateFileName = 'webrtc-direct-certificate.json'

/**
 * The gateway's libp2p identity, kept in `<dataDir>/p2p/` so that its peer id and its WebRTC-Direct
 * certhash (and so every multiaddr it publishes) survive restarts. Without this, libp2p makes a
 * fresh key and certificate at each start and every bookmarked or cached address goes stale.
 *
 * The certificate is made here rather than by @libp2p/webrtc's keychain path because that path
 * needs a persistent libp2p datastore, which would also persist the peer store of every worker
 * that ever connected. Browsers fetch the current addresses from /v1/network at each bootstrap, so
 * a renewed certhash (at a start within `certificateRenewBeforeMs` of expiry) costs nothing.
 */
export async function loadOrCreateNodeIdentity(
  parameters: LoadOrCreateNodeIdentityParameters,
): Promise<LoadOrCreateNodeIdentityReturnType> {
  const {
    dataDir,
    certificateLifespanMs = 365 * DAY_MS,
    certificateRenewBeforeMs = 30 * DAY_MS,
    now = Date.now,
  } = parameters
  const dir = path.join(dataDir, 'p2p')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const created: LoadOrCreateNodeIdentityReturnType['created'] = []

  const keyFile = path.join(dir, peerKeyFileName)
  let privateKey = await readIfExists(keyFile).then((bytes) =>
    bytes ? privateKeyFromProtobuf(new Uint8Array(bytes)) : undefined,
  )
  if (!privateKey) {
    privateKey = await generateKeyPair('Ed25519')
    await writeAtomically(keyFile, privateKeyToProtobuf(privateKey))
    created.push('peer-key')
  }

  const certFile = path.join(dir, certificateFileName)
  const stored = await readIfExists(certFile).then((bytes) =>
    bytes ? parseStoredCertificate(bytes.toString('utf8')) : undefined,
  )
  if (stored && stored.notAfter - now() > certificateRenewBeforeMs) {
    return {
      privateKey,
      certificate: stored.certificate,
      certificateNotAfter: stored.notAfter,
      created,
    }
  }
  const fresh = await createCertificate(now(), certificateLifespanMs)
  await writeAtomically(certFile, `${JSON.stringify(fresh, null, 2)}\n`)
  created.push('certificate')
  return {
    privateKey,
    certificate: fresh.certificate,
    certificateNotAfter: fresh.notAfter,
    created,
  }
}

/** The WebCrypto type @peculiar/x509 wants (a DOM type; Node's webcrypto implements it). */
type CryptoProvider = Parameters<typeof X509CertificateGenerator.createSelfSigned>[1]

type StoredCertificate = { certificate: WebRtcDirectCertificate; notAfter: number }

function parseStoredCertificate(text: string): StoredCertificate | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoredCertificate>
    const cert = value.certificate
    if (
      typeof value.notAfter === 'number' &&
      typeof cert?.privateKey === 'string' &&
      typeof cert.pem === 'string' &&
      typeof cert.certhash === 'string'
    )
      return { certificate: cert, notAfter: value.notAfter }
  } catch {
    // A damaged file is replaced by a new certificate, like a missing one.
  }
  return undefined
}

async function createCertificate(nowMs: number, lifespanMs: number): Promise<StoredCertificate> {
  const subtle = webcrypto.subtle
  // P-256: the curve Chromium, Pion and webrtc-rs all accept for DTLS (libp2p's choice too).
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])
  // Whole seconds: X.509 times carry no milliseconds.
  const notBefore = new Date(Math.floor(nowMs / 1000) * 1000 - 60_000)
  const notAfter = new Date(Math.floor((nowMs + lifespanMs) / 1000) * 1000)
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      name: 'CN=inference-grid-gateway',
      notBefore,
      notAfter,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys,
      extensions: [new BasicConstraintsExtension(false, undefined, true)],
    },
    webcrypto as CryptoProvider,
  )
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey))
  const privateKey = [
    '-----BEGIN PRIVATE KEY-----',
    ...(pkcs8.toString('base64').match(/.{1,64}/g) ?? []),
    '-----END PRIVATE KEY-----',
  ].join('\n')
  return {
    certificate: { privateKey, pem: cert.toString('pem'), certhash: certhashOf(cert.rawData) },
    notAfter: notAfter.getTime(),
  }
}

/** multibase base64url ('u') of the sha2-256 multihash (0x12, 0x20, digest) of the DER bytes. */
export function certhashOf(der: ArrayBuffer | Uint8Array): string {
  const digest = createHash('sha256').update(new Uint8Array(der)).digest()
  return `u${Buffer.concat([Buffer.from([0x12, 0x20]), digest]).toString('base64url')}`
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Write then rename, so a crash mid-write never leaves half a key behind. Owner-only mode. */
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, data, { mode: 0o600 })
  await rename(temp, file)
}
