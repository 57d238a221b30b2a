import Logging
import NIOCore
import NIOPosix
import TroupeCore
import TroupeWire

/// The server's side of requests: what connection handlers call, and how the table's actions are
/// carried out.
extension EnvServer {
    typealias Action = SessionTable<HostedEnv>.Action

    // MARK: Entry points for connection handlers (called on the connection's event loop)

    func register(_ channel: any Channel, _ handler: any ReplyReceiver) -> ConnectionID {
        let id = register(ConnectionSink(channel: channel, handler: handler))
        logger.debug(
            "connection opened",
            metadata: ["connection": "\(id)", "remote": "\(channel.remoteAddress.map { "\($0)" } ?? "unix")"])
        return id
    }

    /// Registers a connection with the table; its answers go to `sink`.
    func register(_ sink: ConnectionSink) -> ConnectionID {
        let id = connections.withLockedValue { state -> ConnectionID in
            let id = ConnectionID(state.next)
            state.next += 1
            state.sinks[id] = sink
            return id
        }
        table.withLockedValue { $0.connected(id) }
        return id
    }

    /// The connection is gone. Its sessions are leased (kept for `resume`) unless `keepSessions`
    /// is false (protocols with no way to resume, such as OpenEnv's WebSocket): then they are
    /// closed at once, so a dropped socket never holds a slot.
    func unregister(_ id: ConnectionID, keepSessions: Bool = true) {
        _ = connections.withLockedValue { $0.sinks.removeValue(forKey: id) }
        let now = Self.now()
        perform(table.withLockedValue { $0.disconnected(id, now: now, keepSessions: keepSessions) })
        logger.debug("connection closed", metadata: ["connection": "\(id)"])
    }

    func make(_ request: MakeRequest, id: JSONValue, connection: ConnectionID) {
        let seed = request.seed ?? SeededRNG.entropySeed()
        let now = Self.now()
        perform(table.withLockedValue { $0.make(request, id: id, connection: connection, seed: seed, now: now) })
    }

    func submit(_ op: SessionOp, session: String, id: JSONValue, connection: ConnectionID) {
        let now = Self.now()
        perform(table.withLockedValue { $0.submit(op, session: session, id: id, connection: connection, now: now) })
    }

    func submitBatch(_ items: [BatchItem], id: JSONValue, connection: ConnectionID) {
        let now = Self.now()
        perform(table.withLockedValue { $0.submitBatch(items, id: id, connection: connection, now: now) })
    }

    func fork(session: String, seed: UInt64?, id: JSONValue, connection: ConnectionID) {
        let now = Self.now()
        perform(
            table.withLockedValue { $0.fork(session: session, seed: seed, id: id, connection: connection, now: now) })
    }

    func resume(session: String, token: String, waiting: [JSONValue], id: JSONValue, connection: ConnectionID) {
        let now = Self.now()
        let specs = self.specs
        perform(
            table.withLockedValue {
                $0.resume(
                    session: session, token: token, waiting: waiting, id: id, connection: connection,
                    spec: { specs[$0] ?? .null }, now: now)
            })
    }

    /// The `stats` answer.
    func stats() -> JSONObject {
        let uptime = NIODeadline.now().uptimeNanoseconds - startedAt.uptimeNanoseconds
        var stats = table.withLockedValue { $0.stats(uptimeNs: uptime) }
        stats["limits"] = (try? JSONValue(encoding: configuration.limits)) ?? .null
        return stats
    }

    // MARK: Carrying out actions

    /// Carries out the table's actions. Never called with the table's lock held.
    ///
    /// Operations that run inline run here, one after another; their results are recorded
    /// together afterwards, under one hold of the table's lock (a batch's items take the lock once,
    /// not once each), and what that starts is carried out in turn.
    func perform(_ actions: [Action]) {
        var ranInline: [InlineRun] = []
        for action in actions {
            switch action {
            case .run(let session, let env, let job, let index, let op):
                if let result = Self.executeInline(op, on: env) {
                    if ranInline.isEmpty { ranInline.reserveCapacity(actions.count) }  // a batch's, at once
                    ranInline.append(
                        InlineRun(session: session, env: env, job: job, index: index, op: op, result: result))
                    continue
                }
                let body: @Sendable () async -> Void = { [self] in
                    let result = await Self.execute(op, on: env)
                    let now = Self.now()
                    perform(
                        table.withLockedValue {
                            $0.finished(
                                session: session, job: job, index: index, op: op, result: result, env: env, now: now)
                        })
                }
                if configuration.tasksOnEventLoops {
                    Task(executorPreference: currentExecutor(), operation: body)
                } else {
                    Task(operation: body)
                }
            case .make(let ticket):
                // On the owner's loop, which is not always this one: a queued make is admitted
                // from whichever loop freed a slot.
                let executor = executor(for: ticket.connection)
                Task(executorPreference: executor) { [self] in await makeSession(ticket, on: executor.loop) }
            case .send(let connection, let reply):
                deliver(reply, to: connection)
            case .close(let env):
                Task { await env.env.close() }
            case .event(let event):
                log(event)
            }
        }
        guard !ranInline.isEmpty else { return }
        let now = Self.now()
        perform(
            table.withLockedValue { table in
                var next: [Action] = []
                for run in ranInline {
                    table.finished(
                        session: run.session, job: run.job, index: run.index, op: run.op, result: run.result,
                        env: run.env, now: now, inline: true, into: &next)
                }
                return next
            })
    }

    /// An operation that ran inline, waiting to be recorded in the table.
    struct InlineRun {
        let session: String
        let env: HostedEnv
        let job: Job
        let index: Int
        let op: SessionOp
        let result: Result<ResponseBody, WireError>
    }

    /// The executor for a task started now: the current event loop's (every action is performed
    /// on an event loop, except at shutdown), or the next loop of the group.
    func currentExecutor() -> EventLoopTaskExecutor {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        return executors.first { $0.loop === loop } ?? EventLoopTaskExecutor(loop)
    }

    /// The executor of `connection`'s event loop (the current one if the connection is gone).
    func executor(for connection: ConnectionID) -> EventLoopTaskExecutor {
        guard let loop = connections.withLockedValue({ $0.sinks[connection]?.channel?.eventLoop }) else {
            return currentExecutor()
        }
        return executors.first { $0.loop === loop } ?? EventLoopTaskExecutor(loop)
    }

    /// Runs a reset or step synchronously when the environment runs inline on the current event
    /// loop (`InlineEnvironment`); nil when it must go through a task instead: other operations,
    /// other environments, and inline ones isolated to another loop (a session resumed from a
    /// connection on another loop).
    static func executeInline(_ op: SessionOp, on env: HostedEnv) -> Result<ResponseBody, WireError>? {
        guard let inline = env.inline, let isolation = inline.inlineIsolation,
            let loop = MultiThreadedEventLoopGroup.currentEventLoop, isolation.isOn(loop.executor)
        else { return nil }
        do {
            switch op {
            case .step(let action): return .success(.step(try inline.stepOnExecutor(action)))
            case .reset(let seed, let options):
                return .success(.reset(try inline.resetOnExecutor(seed: seed, options: options)))
            case .snapshot, .restore, .close: return nil
            }
        } catch {
            return .failure(WireError(error))
        }
    }

    /// Runs one operation on an environment; every error becomes a wire error with its code.
    static func execute(_ op: SessionOp, on hosted: HostedEnv) async -> Result<ResponseBody, WireError> {
        let env = hosted.env
        do {
            switch op {
            case .step(let action): return .success(.step(try await env.step(action)))
            case .reset(let seed, let options):
                return .success(.reset(try await env.reset(seed: seed, options: options)))
            case .snapshot: return .success(.snapshot(try await env.snapshot()))
            case .restore(let snapshot):
                try await env.restore(snapshot)
                return .success(.empty)
            case .close:
                await env.close()
                return .success(.empty)
            }
        } catch {
            return .failure(WireError(error))
        }
    }

    /// Makes the environment for a reserved slot (restoring a fork's snapshot into it). An inline
    /// environment is isolated to `loop`, the event loop of the connection that asked.
    func makeSession(_ ticket: MakeTicket, on loop: any EventLoop) async {
        let outcome: Result<HostedEnv, WireError>
        do {
            let context = MakeContext(seed: ticket.seed, shared: shared, executor: loop.executor)
            let env = try await registry.make(ticket.env, config: ticket.config, context: context)
            if let snapshot = ticket.snapshot {
                do {
                    try await env.restore(snapshot)
                } catch {
                    await env.close()
                    throw error
                }
            }
            outcome = .success(HostedEnv(env))
        } catch {
            outcome = .failure(WireError(error))
        }
        let token = Self.newToken()
        let spec = specs[ticket.env] ?? .null
        let now = Self.now()
        perform(table.withLockedValue { $0.made(ticket, outcome, spec: spec, token: token, now: now) })
    }

    /// Sends an answer on its connection's event loop (dropped when the connection is gone: the
    /// session remembers it for `resume`).
    func deliver(_ reply: Reply, to connection: ConnectionID) {
        connections.withLockedValue({ $0.sinks[connection] })?.deliver(reply)
    }

    /// A resume token: 128 random bits in hex.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next(), generator.next()] as [UInt64]
        return words.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    func log(_ event: ServerEvent) {
        switch event {
        case .made(let session, let env, let connection):
            logger.info(
                "session made", metadata: ["session": "\(session)", "env": "\(env)", "connection": "\(connection)"])
        case .detached(let session):
            logger.info(
                "session detached; waiting for resume",
                metadata: ["session": "\(session)", "lease_ms": "\(configuration.limits.leaseMs)"])
        case .resumed(let session, let connection):
            logger.info("session resumed", metadata: ["session": "\(session)", "connection": "\(connection)"])
        case .removed(let session, let reason):
            let level: Logger.Level =
                reason == .timedOut ? .warning : (reason == .closed || reason == .disconnected ? .debug : .info)
            logger.log(
                level: level, "session removed", metadata: ["session": "\(session)", "reason": "\(reason.rawValue)"])
        }
    }
}
