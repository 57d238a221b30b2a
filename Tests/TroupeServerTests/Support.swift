import Foundation
import Logging
import Testing
import TroupeBench
import TroupeCatalog
import TroupeClient
import TroupeCore
import TroupeServer
import TroupeWire

/// `slow-v0`, for tests only: reset and step sleep `delay_ms`; action "crash" throws an error
/// without a code (the server must answer `internal`); reset options other than `level` are
/// `bad_options`. No snapshot capability.
actor SlowEnv: Environment {
    struct Config: Codable, Sendable {
        var delayMs: Int?
        enum CodingKeys: String, CodingKey { case delayMs = "delay_ms" }
    }

    struct Crash: Error {}

    static let spec = EnvSpec(
        id: "slow-v0", summary: "Sleeps on every call (tests).", observation: .text("a counter"),
        action: .text("anything; 'crash' fails"),
        configSchema: ["type": "object", "properties": ["delay_ms": ["type": "integer"]]], maxEpisodeSteps: 20)

    static let registration = EnvRegistration.decoding(
        Config.self, spec: spec, sampleAction: { _, _, _ in "wait" },
        factory: { config, _ in SlowEnv(delay: config.delayMs ?? 0) })

    nonisolated var spec: EnvSpec { Self.spec }
    let delay: Int
    var steps = 0

    init(delay: Int) { self.delay = delay }

    func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        if let unknown = options.objectValue?.keys.first(where: { $0 != "level" }) {
            throw EnvError.badOptions("unknown option `\(unknown)`; slow-v0 knows `level`")
        }
        try await Task.sleep(for: .milliseconds(delay))
        steps = 0
        return ResetResult(observation: "0")
    }

    func step(_ action: JSONValue) async throws -> StepResult {
        if action == "crash" { throw Crash() }
        try await Task.sleep(for: .milliseconds(delay))
        steps += 1
        return StepResult(observation: .string("\(steps)"))
    }
}

/// The tests that run a live server. They run one at a time: several use blocking sockets, which
/// hold a thread of the concurrency pool while they wait, and the machines have two cores.
@Suite(.serialized) struct LiveServerTests {}

/// The built-in environments plus the test-only ones.
let testRegistry = EnvRegistry(Array(builtinEnvironments.registrations.values) + [SlowEnv.registration])

/// A server on a fresh Unix socket (and optionally loopback TCP) for one test.
struct LiveServer {
    let server: EnvServer
    let socketPath: String
    let tcpPort: Int?

    static func start(
        limits: ServerLimits = ServerLimits(), tcp: Bool = false, token: String? = nil,
        registry: EnvRegistry = testRegistry
    ) async throws -> LiveServer {
        let path = "/tmp/troupe-test-\(UInt32.random(in: 0...UInt32.max)).sock"
        var logger = Logger(label: "envd-test")
        // TROUPE_TEST_LOG=debug shows the server's log while debugging a test.
        logger.logLevel =
            ProcessInfo.processInfo.environment["TROUPE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let server = EnvServer(
            registry: registry,
            configuration: ServerConfiguration(
                limits: limits, unixSocket: path, tcp: tcp ? .init(host: "127.0.0.1", port: 0) : nil, token: token),
            logger: logger)
        let bound = try await server.start()
        let port = bound.first { $0.hasPrefix("tcp:") }.flatMap { Int($0.split(separator: ":").last!) }
        return LiveServer(server: server, socketPath: path, tcpPort: port)
    }

    var endpoint: Endpoint { .unix(socketPath) }

    func stop() async { await server.shutdown(drainTimeout: .seconds(5)) }

    func raw() throws -> LineSocket { try LineSocket(unixPath: socketPath) }

    func client(reconnectWindow: Duration = .seconds(10)) async throws -> EnvdClient {
        try await EnvdClient.connect(to: endpoint, options: ClientOptions(reconnectWindow: reconnectWindow))
    }
}

/// Runs `body` against a live server, stopping it however the body ends.
func withLiveServer(
    limits: ServerLimits = ServerLimits(), tcp: Bool = false, token: String? = nil,
    _ body: (LiveServer) async throws -> Void
) async throws {
    let live = try await LiveServer.start(limits: limits, tcp: tcp, token: token)
    do {
        try await body(live)
    } catch {
        await live.stop()
        throw error
    }
    await live.stop()
}

extension LineSocket {
    /// Sends one frame and reads one answer.
    func rpc(_ frame: String) throws -> JSONValue {
        try send(frame + "\n")
        return try JSONValue.parse(readLine())
    }

    /// Makes an echo-v0 session and returns its id.
    func makeEcho(config: String = "{}", id: Int = 1) throws -> String {
        let answer = try rpc(#"{"id":\#(id),"op":"make","env":"echo-v0","seed":1,"config":\#(config)}"#)
        guard let session = answer["session"]?.stringValue else {
            throw LineSocket.Failure(description: "make failed: \(answer)")
        }
        return session
    }
}

/// The error code of an answer (nil for a success).
func errorCode(_ answer: JSONValue) -> String? { answer["error"]?["code"]?.stringValue }
