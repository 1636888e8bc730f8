import { useConnect, useConnection, useConnectors, useDisconnect } from 'wagmi'

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`
}

/**
 * Connect a wallet (each EIP-6963 wallet the browser announced, and WalletConnect when
 * configured), or show the connected address with a Disconnect button.
 */
export function WalletButton() {
  const connection = useConnection()
  const connectors = useConnectors()
  const connect = useConnect()
  const disconnect = useDisconnect()

  if (connection.status === 'connected' && connection.address) {
    return (
      <div className="wallet">
        <span data-testid="wallet-address" title={connection.address}>
          {shortAddress(connection.address)}
        </span>{' '}
        <button
          type="button"
          className="secondary"
          data-testid="wallet-disconnect"
          onClick={() => disconnect.mutate()}
        >
          Disconnect
        </button>
      </div>
    )
  }
  return (
    <div className="wallet">
      {connectors.length === 0 ? (
        <span data-testid="wallet-none">No browser wallet found.</span>
      ) : (
        connectors.map((connector) => (
          <button
            type="button"
            className="secondary"
            key={connector.uid}
            data-testid={`wallet-connect-${connector.id}`}
            disabled={connect.isPending}
            onClick={() => connect.mutate({ connector })}
          >
            Connect {connector.name}
          </button>
        ))
      )}
      {connect.error && (
        <p role="alert">
          {connect.error.name === 'UserRejectedRequestError'
            ? 'The wallet declined to connect.'
            : connect.error.message.split('\n')[0]}
        </p>
      )}
    </div>
  )
}
