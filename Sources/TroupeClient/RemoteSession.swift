import TroupeCore
import TroupeWire

/// A session on an `envd` server: the `EnvSession` agents and the conformance checker use.
/// Server errors throw `WireError` with the server's code (`reset_needed`, `timeout`, …).
public struct RemoteSession: EnvSession {
    public let client: EnvdClient
    /// The server's session id.
    public let id: String
    /// The token that lets another connection take the session over (`resume`).
    public let token: String
    public let spec: EnvSpec

    public func reset(seed: UInt64? = nil, options: JSONValue = .null) async throws -> ResetResult {
        try ResetResult(wire: try await call(.reset(seed: seed, options: options)))
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        try StepResult(wire: try await call(.step(action)))
    }

    public func snapshot() async throws -> JSONValue {
        guard let snapshot = try await call(.snapshot)["snapshot"] else {
            throw ClientError.badResponse("snapshot without a snapshot")
        }
        return snapshot
    }

    public func restore(_ snapshot: JSONValue) async throws {
        _ = try await call(.restore(snapshot))
    }

    /// Closes the session on the server. Closing twice is harmless.
    public func close() async throws {
        defer { client.forget(id) }
        do {
            _ = try await call(.close)
        } catch let error as WireError where error.code == .unknownSession {
            return
        }
    }

    /// A new session with a copy of this one's state (environments with the snapshot capability).
    /// `seed` is the copy's session seed (nil: the same as this one's).
    public func fork(seed: UInt64? = nil) async throws -> RemoteSession {
        try client.session(from: try await client.call(.fork(session: id, seed: seed), sessions: [id]))
    }

    private func call(_ op: SessionOp) async throws -> JSONObject {
        try await client.call(.session(id, op), sessions: [id])
    }
}
