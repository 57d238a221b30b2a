import TroupeCore
import TroupeWire

/// Identifies one connection within one server.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public var description: String { "c\(raw)" }
}

/// A request that runs on sessions: a single session operation, a batch, or the snapshot half of a
/// fork. It collects one result per item and is answered once, when the last item finishes.
///
/// Invariant: a job is created, mutated and read only while its `SessionTable` is held (the
/// server keeps the table behind a lock), which is why it may be `@unchecked Sendable`: it is a
/// reference so that a batch spread over many sessions' queues is one answer, and so that
/// `resume` can point the answer of a request still running at the new connection.
final class Job: @unchecked Sendable {
    /// What the job answers.
    enum Kind {
        /// One operation on one session (reset, step, close, snapshot, restore).
        case single
        /// A batch: the answer lists every item's result.
        case batch
        /// The snapshot that a fork restores into a new session.
        case fork(ForkTicket)
    }

    /// The request id its answer echoes.
    let id: JSONValue
    /// Where the answer goes; `resume` moves it to the resuming connection.
    var connection: ConnectionID
    let kind: Kind
    /// One result per item; nil while the item has not finished.
    var results: [Result<ResponseBody, WireError>?]
    /// Items not finished yet.
    var remaining: Int

    init(id: JSONValue, connection: ConnectionID, kind: Kind, items: Int) {
        self.id = id
        self.connection = connection
        self.kind = kind
        self.results = Array(repeating: nil, count: items)
        self.remaining = items
    }

    /// Whether every item has its result (for a batch or a single operation: the answer was sent).
    var isFinished: Bool { remaining == 0 }

    /// Records an item's result; true when it was the last one.
    func record(_ index: Int, _ result: Result<ResponseBody, WireError>) -> Bool {
        guard results[index] == nil else { return false }
        results[index] = result
        remaining -= 1
        return remaining == 0
    }

    /// The finished job as a reply.
    var reply: Reply {
        switch kind {
        case .single, .fork:
            return Reply(id: id, result: results[0] ?? .failure(WireError(.internal, "the request never finished")))
        case .batch:
            let items = results.map { $0 ?? .failure(WireError(.internal, "the item never finished")) }
            return Reply(id: id, result: .success(.batch(items)))
        }
    }
}

/// A reserved slot for a session being made (by `make` or `fork`): what the server needs to make
/// it and where the answer goes.
struct MakeTicket: Sendable {
    let id: JSONValue
    let connection: ConnectionID
    let env: String
    let config: JSONValue
    let seed: UInt64
    /// For a fork: the state to restore into the new session.
    var snapshot: JSONValue?
}

/// A fork waiting for its source session's snapshot; becomes a `MakeTicket` with the snapshot.
struct ForkTicket: Sendable {
    let env: String
    let config: JSONValue
    let seed: UInt64
}

/// A `make` waiting for a free slot.
struct MakeWaiter: Sendable {
    let ticket: MakeTicket
    /// When it stops waiting and fails with `capacity` (uptime nanoseconds).
    let deadline: UInt64
    let enqueuedAt: UInt64
}
