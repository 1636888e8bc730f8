import type { Address } from 'viem'

export const GRID_DOMAIN_NAME = 'Inference Grid'
export const GRID_DOMAIN_VERSION = '1'

/**
 * The EIP-712 domain of everything the grid signs. No verifyingContract until the payout vault
 * exists: until then signatures are bound by name, version and chain id (and the origin inside
 * the delegation).
 */
export type GridDomain = {
  name: typeof GRID_DOMAIN_NAME
  version: typeof GRID_DOMAIN_VERSION
  chainId: number
  verifyingContract?: Address
}

export type CreateGridDomainParameters = {
  chainId: number
  verifyingContract?: Address | undefined
}

export function createGridDomain(parameters: CreateGridDomainParameters): GridDomain {
  const { chainId, verifyingContract } = parameters
  const domain: GridDomain = { name: GRID_DOMAIN_NAME, version: GRID_DOMAIN_VERSION, chainId }
  if (verifyingContract) domain.verifyingContract = verifyingContract
  return domain
}
