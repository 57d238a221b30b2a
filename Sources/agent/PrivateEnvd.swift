import ArgumentParser
import Foundation
import TroupeClient
import TroupeCore

/// A private `envd serve` for one command: the `envd` built beside this `agent`, on a Unix socket
/// in a fresh temporary directory, with its log there. It is stopped (SIGTERM, then waited for)
/// when the command ends; if the agent dies without stopping it, the kernel sends it SIGTERM
/// (`setpriv --pdeathsig`, spawned from a thread that lives as long as the process), so no
/// server outlives its agent.
final class PrivateEnvd: @unchecked Sendable {
    let directory: String
    let socket: String
    private let process = Process()
    private let spawned = DispatchSemaphore(value: 0)
    private var spawnError: (any Error)?

    /// Starts the server and waits (up to a minute) for its `envd ready` line.
    init(arguments: [String] = []) throws {
        let envd = URL(filePath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appending(path: "envd").path
        guard FileManager.default.isExecutableFile(atPath: envd) else {
            throw ValidationError(
                "no envd beside this agent (\(envd)): build it (swift build --product envd) or give --endpoint")
        }
        var template = Array(
            (NSTemporaryDirectory() as NSString).appendingPathComponent("troupe-envd.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ValidationError("cannot create a temporary directory in \(NSTemporaryDirectory()) for envd's socket")
        }
        directory = String(cString: made)
        socket = directory + "/envd.sock"
        let serve = ["serve", "--socket", socket, "--drain-seconds", "2", "--log-level", "warning"] + arguments
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            process.executableURL = URL(filePath: "/usr/bin/setpriv")
            process.arguments = ["--pdeathsig", "TERM", "--", envd] + serve
        } else {
            process.executableURL = URL(filePath: envd)
            process.arguments = serve
        }
        _ = FileManager.default.createFile(atPath: directory + "/envd.out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/envd.log", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/envd.out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/envd.log")
        // The parent-death signal follows the spawning thread: spawn from one that never ends.
        let thread = Thread { [self] in
            do { try process.run() } catch { spawnError = error }
            spawned.signal()
            while true { sleep(3600) }
        }
        thread.name = "troupe-envd-parent"
        thread.start()
        spawned.wait()
        if let spawnError { throw ValidationError("cannot start \(envd): \(spawnError)") }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let out = (try? String(contentsOfFile: directory + "/envd.out", encoding: .utf8)) ?? ""
            if out.hasPrefix("envd ready") { return }
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: directory + "/envd.log", encoding: .utf8)) ?? ""
                throw ValidationError("envd exited before it was ready: \(log)")
            }
            usleep(50_000)
        }
        stop()
        throw ValidationError("envd did not become ready within a minute (log: \(directory)/envd.log)")
    }

    var endpoint: Endpoint { .unix(socket) }

    /// Stops the server and removes its directory (keeping it when the server failed, for its log).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        // It drains for two seconds; past ten, it is killed (a stop never waits without bound).
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if process.terminationStatus == 0 { try? FileManager.default.removeItem(atPath: directory) }
    }

    deinit { stop() }
}

extension EndpointOptions {
    /// A pool over `--endpoint`s, or over a private envd started now (returned to be stopped).
    func connect(serverArguments: [String] = []) async throws -> (EnvdPool, PrivateEnvd?) {
        var server: PrivateEnvd?
        var endpoints: [Endpoint] = []
        if endpoint.isEmpty {
            let started = try PrivateEnvd(arguments: serverArguments)
            server = started
            endpoints = [started.endpoint]
        } else {
            endpoints = try endpoint.map { text in
                guard let parsed = Endpoint(parsing: text) else {
                    throw ValidationError("--endpoint '\(text)' is not unix:PATH, a path, or tcp:HOST:PORT")
                }
                return parsed
            }
        }
        do {
            let pool = try await EnvdPool.connect(
                to: endpoints, token: token ?? ProcessInfo.processInfo.environment["ENVD_TOKEN"])
            return (pool, server)
        } catch {
            server?.stop()
            throw ValidationError("cannot connect to envd: \(error)")
        }
    }
}
