import TroupeCore
import TroupeWire

/// Spreads sessions over several `envd` endpoints: each `make` goes to the client with the fewest
/// sessions, and moves on to the next when a server is full (`capacity`, `connection_limit`) or
/// shutting down. Each session then talks to its own server directly.
public final class EnvdPool: EnvDriver, Sendable {
    public let clients: [EnvdClient]

    public init(clients: [EnvdClient]) {
        precondition(!clients.isEmpty, "a pool needs at least one client")
        self.clients = clients
    }

    /// Connects to every endpoint.
    public static func connect(
        to endpoints: [Endpoint], token: String? = nil, options: ClientOptions = ClientOptions()
    ) async throws -> EnvdPool {
        var clients: [EnvdClient] = []
        for endpoint in endpoints {
            clients.append(try await EnvdClient.connect(to: endpoint, token: token, options: options))
        }
        return EnvdPool(clients: clients)
    }

    public func makeSession(_ env: String, config: JSONValue = .null, seed: UInt64? = nil) async throws -> RemoteSession
    {
        let order = clients.indices.sorted { clients[$0].sessionCount < clients[$1].sessionCount }
        var lastError: (any Error)?
        for index in order {
            do {
                return try await clients[index].makeSession(env, config: config, seed: seed)
            } catch let error as WireError where [.capacity, .connectionLimit, .shuttingDown].contains(error.code) {
                lastError = error
            }
        }
        throw lastError ?? ClientError.closed
    }

    public func make(_ id: String, config: JSONValue, seed: UInt64?) async throws -> any EnvSession {
        try await makeSession(id, config: config, seed: seed)
    }

    public func close() async {
        for client in clients { await client.close() }
    }
}
