import ArgumentParser
import Foundation
import PythonEnv
import TroupeCore

/// `python-bench`: jobs per second and latency of small Python snippets, for python-v0's warm
/// pool beside the per-job alternatives, in one run on one machine:
///
/// - a fresh `python3` process per job (no isolation at all),
/// - a fresh bubblewrap sandbox per job (the same isolation as the pool, started for each job),
/// - the warm pool under rlimits only,
/// - the warm pool under bubblewrap (full isolation).
///
/// Each mode runs `concurrency` closed-loop clients (each waits for its job before sending the
/// next), so latency is a job's own time and not time spent behind a thousand queued jobs.
@main
struct PythonBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "python-bench",
        abstract: "Jobs/s and p50/p99 latency of python-v0's pool beside a process per job.",
        discussion: """
            Runs the same snippet as: a fresh python3 process per job (no isolation), a fresh \
            bubblewrap sandbox per job (the pool's isolation, started for each job), the warm pool \
            under rlimits only, and the warm pool under bubblewrap. Each mode has `concurrency` \
            closed-loop clients (each waits for its job before sending the next), so latency is a \
            job's own time. Every job's output is checked.
            """)

    @Option(help: "Jobs for each pool mode.")
    var jobs = 2000

    @Option(help: "Jobs for each per-process mode (they are slow).")
    var baselineJobs = 200

    @Option(help: "Concurrent clients (0: one per pool worker).")
    var concurrency = 0

    @Option(help: "Pool workers (0: one per core, the pool's default).")
    var workers = 0

    @Option(help: "The snippet every job runs.")
    var snippet = "print(sum(range(100)))"

    @Option(help: "Modes to run, comma-separated: fresh, bwrap, pool-rlimits, pool-bwrap.")
    var modes = "fresh,bwrap,pool-rlimits,pool-bwrap"

    @Flag(help: "Print one JSON object per mode instead of a table.")
    var json = false

    func run() async throws {
        let workers = workers > 0 ? workers : ProcessInfo.processInfo.activeProcessorCount
        let clients = concurrency > 0 ? concurrency : workers
        var rows: [Row] = []
        let expected = try OneShotSandbox.Launch(isolation: nil).run(snippet).stdout

        let selected = Set(modes.split(separator: ",").map(String.init))
        let canWrap = (try? OneShotSandbox.Launch(isolation: .bubblewrap).run(snippet).succeeded) == true
        if !canWrap { print("bubblewrap does not work here: its modes are left out") }
        if selected.contains("fresh") {
            let bare = try OneShotSandbox.Launch(isolation: nil)
            rows.append(try measureProcesses("fresh python3 per job (no isolation)", bare, clients: clients, expected))
        }
        if canWrap && selected.contains("bwrap") {
            let wrapped = try OneShotSandbox.Launch(isolation: .bubblewrap)
            rows.append(try measureProcesses("bubblewrap per job (full isolation)", wrapped, clients: clients, expected))
        }
        let pools: [IsolationRequest] =
            (selected.contains("pool-rlimits") ? [.rlimitsOnly] : [])
            + (canWrap && selected.contains("pool-bwrap") ? [.bubblewrap] : [])
        for isolation in pools {
            let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: isolation, workers: workers))
            let name =
                isolation == .bubblewrap
                ? "warm pool, bubblewrap (full isolation)" : "warm pool, rlimits only"
            rows.append(try await measurePool(name, pool, clients: clients, expected))
            pool.shutdown()
        }
        report(rows, clients: clients, workers: workers)
    }

    struct Row: Codable {
        var mode: String
        var jobs: Int
        var seconds: Double
        var jobsPerSecond: Double
        var p50ms: Double
        var p99ms: Double
    }

    func row(_ mode: String, latencies: [Double], seconds: Double) -> Row {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted[Int((Double(sorted.count - 1) * p).rounded())] * 1000 }
        return Row(
            mode: mode, jobs: sorted.count, seconds: seconds, jobsPerSecond: Double(sorted.count) / seconds,
            p50ms: percentile(0.5), p99ms: percentile(0.99))
    }

    /// Each client a thread that starts one process per job and waits for it.
    func measureProcesses(_ mode: String, _ launch: OneShotSandbox.Launch, clients: Int, _ expected: String) throws
        -> Row
    {
        let perClient = max(1, baselineJobs / clients)
        let results = Results()
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for _ in 0..<clients {
            group.enter()
            let snippet = self.snippet
            Thread {
                for _ in 0..<perClient {
                    let begun = ContinuousClock.now
                    let outcome = try? launch.run(snippet)
                    results.add(seconds(ContinuousClock.now - begun), ok: outcome?.stdout == expected)
                }
                group.leave()
            }.start()
        }
        group.wait()
        let elapsed = seconds(ContinuousClock.now - start)
        try results.check(mode)
        return row(mode, latencies: results.latencies, seconds: elapsed)
    }

    /// Each client a task that sends one job and waits for its result.
    func measurePool(_ mode: String, _ pool: SandboxPool, clients: Int, _ expected: String) async throws -> Row {
        let job = SandboxJob(task: .run(source: snippet, stdin: "", argv: []))
        // Warm up: every worker forks a few children before the clock starts.
        _ = try await pool.run([SandboxJob](repeating: job, count: clients * 4), client: "warmup")
        let perClient = max(1, jobs / clients)
        let results = Results()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    for _ in 0..<perClient {
                        let begun = ContinuousClock.now
                        let result = try await pool.run(job, client: "client-\(client)")
                        results.add(seconds(ContinuousClock.now - begun), ok: result.stdout == expected)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(ContinuousClock.now - start)
        try results.check(mode)
        return row(mode, latencies: results.latencies, seconds: elapsed)
    }

    func report(_ rows: [Row], clients: Int, workers: Int) {
        if json {
            for row in rows { print(String(decoding: try! JSONEncoder().encode(row), as: UTF8.self)) }
            return
        }
        print("python-bench: \(clients) concurrent clients, \(workers) pool workers, snippet \(snippet.debugDescription)\n")
        print("| mode | jobs | jobs/s | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|")
        for row in rows {
            print(
                "| \(row.mode) | \(row.jobs) | \(format(row.jobsPerSecond, 0)) | \(format(row.p50ms, 1)) | \(format(row.p99ms, 1)) |"
            )
        }
        if let wrapped = rows.first(where: { $0.mode.hasPrefix("bubblewrap per job") }),
            let pool = rows.first(where: { $0.mode.hasPrefix("warm pool, bubblewrap") })
        {
            print(
                "\nwarm pool with full isolation vs bubblewrap per job: \(format(pool.jobsPerSecond / wrapped.jobsPerSecond, 1))x the jobs/s, \(format(wrapped.p50ms / pool.p50ms, 1))x lower p50 latency"
            )
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) * 1e-18
}

func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// Latencies collected from many threads or tasks.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var latencies: [Double] = []
    private var failures = 0

    func add(_ latency: Double, ok: Bool) {
        lock.lock()
        latencies.append(latency)
        if !ok { failures += 1 }
        lock.unlock()
    }

    func check(_ mode: String) throws {
        if failures > 0 { throw ValidationError("\(mode): \(failures) jobs did not print the expected output") }
    }
}
