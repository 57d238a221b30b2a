import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import TroupeBench
import TroupeCatalog
import TroupeCore
import TroupeServer

extension Envd {
    /// `envd bench`: steps per second and round trips of an environment through a real server,
    /// against a C echo floor measured in the same run, and in process.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure steps/s and round-trip latency through envd, against an echo floor.",
            discussion: """
                Starts `envd serve` (this executable) on a temporary Unix socket and loopback TCP, \
                compiles a C epoll echo server with cc as the floor (or, with --floor nio, starts \
                a SwiftNIO echo with envd's event loops and listener options), and drives both with the same \
                blocking-socket clients: sequential (one client; pinned with the server to core 0 \
                unless --no-pin), concurrent (--clients connections, one session each) and batched \
                (--batch-clients connections, batch frames of --batch-size steps). Reports steps/s \
                and p50/p99 round trips for envd and the floor, and their ratios; then the \
                environment's in-process ceiling. Build with -c release for meaningful numbers.
                """)

        @Option(help: "Environment id (see `envd list`).")
        var env = "echo-v0"

        @Option(help: "Configuration for make, as a JSON object.")
        var config = "{}"

        @Option(help: "Measured seconds per run.")
        var seconds = 2.0

        @Option(help: "Clients of the concurrent runs.")
        var clients = 8

        @Option(help: "Steps per batch frame.")
        var batchSize = 64

        @Option(help: "Clients of the batched runs.")
        var batchClients = 2

        @Option(help: "Comma-separated modes: sequential, concurrent, batched.")
        var modes = "sequential,concurrent,batched"

        @Option(help: "Comma-separated transports: unix, tcp.")
        var transports = "unix,tcp"

        @Flag(help: "Do not pin the sequential runs to one core.")
        var noPin = false

        @Option(
            help: ArgumentHelp(
                "The floor: c (a C epoll echo) or nio (a SwiftNIO echo with envd's event loops and options).",
                discussion:
                    "The C echo measures the kernel, the socket and the client; the NIO echo adds SwiftNIO's own cost.")
        )
        var floor = SocketBench.Floor.c

        @Option(help: "Event loop threads of envd and of the NIO floor (default: one per core).")
        var eventLoops: Int?

        @Option(
            name: .customLong("repeat"),
            help: ArgumentHelp(
                "Runs per row, the floor and envd alternated; the row shows each figure's median.",
                discussion: "On a shared or virtual machine single runs move by a quarter; 3 or 5 steady them."))
        var repeats = 1

        @Option(help: "An extra argument for the `envd serve` under test (repeat for several).")
        var serveArgument: [String] = []

        @Flag(help: "Only the in-process ceiling (no sockets).")
        var inProcess = false

        @Option(help: "Steps of the in-process ceiling.")
        var steps = 200_000

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            if let eventLoops, eventLoops < 1 { throw ValidationError("--event-loops must be at least 1") }
            guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
            guard seconds > 0, clients > 0, batchSize > 0, batchClients > 0 else {
                throw ValidationError("--seconds, --clients, --batch-size and --batch-clients must be positive")
            }
            _ = try parsedModes()
            _ = try parsedTransports()
        }

        func parsedModes() throws -> [SocketBench.Mode] {
            try modes.split(separator: ",").map { name in
                guard let mode = SocketBench.Mode(rawValue: String(name)) else {
                    throw ValidationError("unknown mode '\(name)'; the modes are sequential, concurrent, batched")
                }
                return mode
            }
        }

        func parsedTransports() throws -> [SocketBench.Transport] {
            try transports.split(separator: ",").map { name in
                guard let transport = SocketBench.Transport(rawValue: String(name)) else {
                    throw ValidationError("unknown transport '\(name)'; the transports are unix, tcp")
                }
                return transport
            }
        }

        func run() async throws {
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(config)
            } catch {
                throw ValidationError("--config is not valid JSON: \(error)")
            }
            _ = try builtinEnvironments.registration(env)
            var socketReport: SocketBench.Report?
            if !inProcess {
                let options = SocketBench.Options(
                    env: env, config: parsed, seconds: seconds, clients: clients, batchSize: batchSize,
                    batchClients: batchClients, modes: try parsedModes(), transports: try parsedTransports(),
                    pinSequential: !noPin,
                    envdExecutable: URL(filePath: "/proc/self/exe").resolvingSymlinksInPath().path,
                    serveArguments: serveArgument, floor: floor, eventLoops: eventLoops, repeats: repeats)
                if !json {
                    let floorName = floor == .c ? "C epoll echo" : "SwiftNIO echo"
                    print(
                        "envd bench: \(env), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(seconds) s per run, floor: \(floorName)"
                            + (repeats > 1 ? ", medians of \(repeats) alternated runs" : "")
                    )
                    print(SocketBench.header)
                }
                let bench = SocketBench(registry: builtinEnvironments)
                let report = try await Task.detached {
                    try bench.run(options) { line in
                        if line.hasPrefix("row ") {
                            if !json { print(line.dropFirst(4)) }
                        } else {
                            FileHandle.standardError.write(Data(("envd bench: " + line + "\n").utf8))
                        }
                    }
                }.value
                socketReport = report
                if !json {
                    print(
                        "* pinned: envd (or the echo) and the client on core 0. throughput = envd steps/s over the floor's; p50 = envd's median round trip over the floor's."
                    )
                }
            }
            let ceiling = try await InProcessBench(registry: builtinEnvironments).run(
                .init(env: env, config: parsed, steps: steps, sessions: 1))
            if json {
                var object: JSONObject = ["in_process": try JSONValue(encoding: ceiling)]
                if let socketReport { object["sockets"] = try JSONValue(encoding: socketReport) }
                print(JSONValue.object(object).serialized())
            } else {
                let rate = String(format: "%.0f", ceiling.stepsPerSecond)
                print(
                    "in process (ceiling), 1 session: \(ceiling.steps) steps, \(ceiling.episodes) episodes in \(String(format: "%.3f", ceiling.seconds)) s = \(rate) steps/s"
                )
            }
        }
    }
}

extension Envd {
    /// `envd nio-echo-floor` (hidden): the SwiftNIO echo floor that `envd bench --floor nio`
    /// starts as a separate process, as it starts the C echo.
    struct NIOEchoFloorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nio-echo-floor", abstract: "The SwiftNIO echo floor of envd bench (internal).",
            shouldDisplay: false)

        @Option(help: "Unix socket path.")
        var socket: String

        @Option(help: "Loopback TCP port (0: any).")
        var port = 0

        @Option(help: "Event loop threads (default: one per core).")
        var eventLoops: Int?

        func run() async throws {
            if let eventLoops { NIOSingletons.groupLoopCountSuggestion = eventLoops }
            let group = MultiThreadedEventLoopGroup.singleton
            let listeners = try await NIOEchoFloor.start(unixPath: socket, port: port, group: group)
            print("ready tcp:\(listeners.port)")
            fflush(nil)
            // Like the C echo: gone with the benchmark that started it.
            while getppid() != 1 { try await Task.sleep(for: .milliseconds(500)) }
            await listeners.close()
        }
    }
}
extension SocketBench.Floor: ExpressibleByArgument {}
