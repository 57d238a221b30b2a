import Foundation
import TroupeCore
import TroupeWire

/// `envd bench` over sockets: steps per second and round-trip latency of a real `envd serve`
/// process, for sequential (one client), concurrent (N clients, a connection and a session each)
/// and batched stepping (batch frames over many sessions), over the Unix socket and TCP, and in
/// the same run the same client against a C echo server over the same kind of socket: the floor.
///
/// The clients are plain threads with blocking sockets (`LineSocket`): they build each frame,
/// send it, read the answer line and parse it with json-c, against `envd` and against the echo
/// alike, so that the two differ only in the server.
///
/// Placement: on a 2-core machine a wake-up on the other core costs tens of microseconds, so
/// the sequential runs pin the server and the client to the same core (both servers alike); the
/// concurrent and batched runs let the scheduler use every core.
public struct SocketBench: Sendable {
    public enum Mode: String, Sendable, CaseIterable, Codable {
        case sequential, concurrent, batched
    }

    public enum Transport: String, Sendable, CaseIterable, Codable {
        case unix, tcp
    }

    /// What the floor is: the C epoll echo (the kernel, the socket and the client alone), or a
    /// SwiftNIO echo with envd's event loops and listener options (that, plus SwiftNIO's own cost).
    public enum Floor: String, Sendable, CaseIterable, Codable {
        case c, nio
    }

    public struct Options: Sendable {
        public var env: String
        public var config: JSONValue
        /// Measured seconds per run (after a warm-up of a fifth of that).
        public var seconds: Double
        /// Clients of the concurrent runs.
        public var clients: Int
        /// Steps per batch frame.
        public var batchSize: Int
        /// Clients of the batched runs.
        public var batchClients: Int
        public var modes: [Mode]
        public var transports: [Transport]
        /// Pin the sequential runs to one core (see the type's documentation).
        public var pinSequential: Bool
        /// The `envd` executable to start (`serve` is run with a temporary socket).
        public var envdExecutable: String
        /// Extra arguments for `envd serve`.
        public var serveArguments: [String]
        public var floor: Floor
        /// Event loop threads of envd and of the NIO floor (nil: one per core).
        public var eventLoops: Int?
        /// Runs of the floor and envd, alternated, per row; the row reports each figure's median,
        /// which the VM's noise moves less than a single run.
        public var repeats: Int

        public init(
            env: String = "echo-v0", config: JSONValue = .null, seconds: Double = 2, clients: Int = 8,
            batchSize: Int = 64, batchClients: Int = 2, modes: [Mode] = Mode.allCases,
            transports: [Transport] = Transport.allCases, pinSequential: Bool = true, envdExecutable: String,
            serveArguments: [String] = [], floor: Floor = .c, eventLoops: Int? = nil, repeats: Int = 1
        ) {
            precondition(repeats >= 1, "SocketBench needs at least one run per row")
            self.repeats = repeats
            self.floor = floor
            self.eventLoops = eventLoops
            self.env = env
            self.config = config
            self.seconds = seconds
            self.clients = clients
            self.batchSize = batchSize
            self.batchClients = batchClients
            self.modes = modes
            self.transports = transports
            self.pinSequential = pinSequential
            self.envdExecutable = envdExecutable
            self.serveArguments = serveArguments
        }
    }

    /// One measured run of one server.
    public struct Measurement: Sendable, Codable {
        /// Steps taken (batched: step items), resets not counted.
        public var steps: Int
        /// Round trips (frames answered).
        public var roundTrips: Int
        public var seconds: Double
        public var p50Microseconds: Double
        public var p99Microseconds: Double
        public var stepsPerSecond: Double { Double(steps) / seconds }
        public var roundTripsPerSecond: Double { Double(roundTrips) / seconds }

        /// Each figure's median over runs of equal length (the upper median for an even count).
        static func median(of runs: [Measurement]) -> Measurement {
            precondition(!runs.isEmpty, "a median needs at least one run")
            func middle<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
            return Measurement(
                steps: middle(runs.map(\.steps)), roundTrips: middle(runs.map(\.roundTrips)),
                seconds: middle(runs.map(\.seconds)), p50Microseconds: middle(runs.map(\.p50Microseconds)),
                p99Microseconds: middle(runs.map(\.p99Microseconds)))
        }
    }

    /// `envd` and the floor, measured back to back with the same clients and placement.
    public struct Row: Sendable, Codable {
        public var mode: Mode
        public var transport: Transport
        public var clients: Int
        public var batchSize: Int
        public var pinned: Bool
        public var envd: Measurement
        public var floor: Measurement
        /// `envd` throughput over the floor's.
        public var throughputRatio: Double { envd.stepsPerSecond / floor.stepsPerSecond }
        /// `envd` median round trip over the floor's.
        public var latencyRatio: Double { envd.p50Microseconds / floor.p50Microseconds }
    }

    public struct Report: Sendable, Codable {
        public var env: String
        public var floor: Floor
        /// Event loop threads of envd and of the NIO floor (nil: one per core).
        public var eventLoops: Int?
        /// Alternated runs of the floor and envd behind each row (its figures are their medians).
        public var repeats: Int
        public var cores: Int
        public var rows: [Row]
    }

    public let registry: EnvRegistry
    public init(registry: EnvRegistry) { self.registry = registry }

    /// Runs every mode on every transport. `progress` gets a line per run.
    public func run(_ options: Options, progress: (String) -> Void = { _ in }) throws -> Report {
        let registration = try registry.registration(options.env)
        let directory = FileManager.default.temporaryDirectory.appending(path: "envd-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let loops = options.eventLoops.map { ["--event-loops", "\($0)"] } ?? []
        let envdSocket = directory.appending(path: "envd.sock").path
        let echoSocket = directory.appending(path: "echo.sock").path
        let envd = try ChildProcess(
            options.envdExecutable,
            [
                "serve", "--socket", envdSocket, "--tcp", "127.0.0.1:0", "--log-level", "error",
                "--idle-timeout-ms", "0", "--max-sessions", "65536", "--max-sessions-per-connection", "65536",
            ] + loops + options.serveArguments, readyPrefix: "envd ready")
        defer { envd.stop() }
        guard let envdPort = Self.tcpPort(in: envd.readyLine) else {
            throw BenchError("envd did not report its TCP port: \(envd.readyLine)")
        }
        let floors: [ChildProcess]
        let echoPort: Int
        switch options.floor {
        case .c:
            progress("compiling the C echo floor")
            let echo = try EchoFloor.build(in: directory)
            echoPort = Int.random(in: 20_000...60_000)
            floors = [
                try ChildProcess(echo, ["unix", echoSocket], readyPrefix: "ready"),
                try ChildProcess(echo, ["tcp", "\(echoPort)"], readyPrefix: "ready"),
            ]
        case .nio:
            let echo = try ChildProcess(
                options.envdExecutable, ["nio-echo-floor", "--socket", echoSocket] + loops, readyPrefix: "ready")
            guard let port = Self.tcpPort(in: echo.readyLine) else {
                echo.stop()
                throw BenchError("the NIO echo floor did not report its TCP port: \(echo.readyLine)")
            }
            floors = [echo]
            echoPort = port
        }
        defer { for floor in floors { floor.stop() } }

        var rows: [Row] = []
        for mode in options.modes {
            for transport in options.transports {
                let pinned = mode == .sequential && options.pinSequential
                let cores = pinned ? [0] : Placement.allCores
                for pid in [envd.pid] + floors.map(\.pid) {
                    Placement.pin(pid: pid, to: cores)
                }
                let (clients, batch) =
                    switch mode {
                    case .sequential: (1, 1)
                    case .concurrent: (options.clients, 1)
                    case .batched: (options.batchClients, options.batchSize)
                    }
                let envdTarget: Target =
                    transport == .unix ? .init(unix: envdSocket, echo: false) : .init(port: envdPort, echo: false)
                let echoTarget: Target =
                    transport == .unix ? .init(unix: echoSocket, echo: true) : .init(port: echoPort, echo: true)
                let load = Load(
                    registration: registration, config: options.config, clients: clients, batch: batch,
                    seconds: options.seconds, cores: cores)
                var floors: [Measurement] = []
                var envds: [Measurement] = []
                for run in 1...options.repeats {
                    let of = options.repeats > 1 ? " (run \(run) of \(options.repeats))" : ""
                    progress("measuring \(mode.rawValue) over \(transport.rawValue)\(of): the echo floor")
                    floors.append(try load.measure(echoTarget))
                    progress("measuring \(mode.rawValue) over \(transport.rawValue)\(of): envd")
                    envds.append(try load.measure(envdTarget))
                }
                let row = Row(
                    mode: mode, transport: transport, clients: clients, batchSize: batch, pinned: pinned,
                    envd: .median(of: envds), floor: .median(of: floors))
                progress("row " + Self.format(row))
                rows.append(row)
            }
        }
        return Report(
            env: options.env, floor: options.floor, eventLoops: options.eventLoops, repeats: options.repeats,
            cores: ProcessInfo.processInfo.activeProcessorCount, rows: rows)
    }

    /// The port of a `tcp:HOST:PORT` word in a readiness line.
    static func tcpPort(in line: String) -> Int? {
        line.split(separator: " ").first { $0.hasPrefix("tcp:") }.flatMap { Int($0.split(separator: ":").last!) }
    }

    /// The header of the table `format(_:)` writes rows of.
    public static let header =
        "mode        transport clients batch | envd steps/s  p50 us  p99 us | echo floor/s  p50 us  p99 us | throughput  p50"

    /// One row of the report as a table line.
    public static func format(_ row: Row) -> String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        func left(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        let mode = left(row.mode.rawValue + (row.pinned ? "*" : ""), 11)
        return [
            mode, left(row.transport.rawValue, 9), pad("\(row.clients)", 7), pad("\(row.batchSize)", 5), "|",
            pad(String(format: "%.0f", row.envd.stepsPerSecond), 12),
            pad(String(format: "%.1f", row.envd.p50Microseconds), 7),
            pad(String(format: "%.1f", row.envd.p99Microseconds), 7), "|",
            pad(String(format: "%.0f", row.floor.stepsPerSecond), 12),
            pad(String(format: "%.1f", row.floor.p50Microseconds), 7),
            pad(String(format: "%.1f", row.floor.p99Microseconds), 7), "|",
            pad(String(format: "%.0f%%", row.throughputRatio * 100), 10),
            pad(String(format: "%.2fx", row.latencyRatio), 6),
        ].joined(separator: " ")
    }
}
